// Placeholder until the memory backend lands.
import type { Backend } from "../../backend.ts";
import type { ResolvedOptions } from "../../options.ts";

export function createMemoryBackend(_options: ResolvedOptions): Backend {
  throw new Error("memory backend not built yet");
}
