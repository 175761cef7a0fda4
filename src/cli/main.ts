#!/usr/bin/env node
// The `mstore` binary. Everything but the exit lives in run.ts, so tests can call it too.
import { run } from "./run.ts";

process.exitCode = await run(process.argv.slice(2));
