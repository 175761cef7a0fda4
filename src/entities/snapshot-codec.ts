/**
 * What a snapshot holds, and how it is read back. A snapshot is UTF-8 JSON:
 *
 * ```json
 * { "snapshotVersion": 2, "version": 199, "lastId": "…", "commands": [["…", 198, 199]], "state": {…} }
 * ```
 *
 * `snapshotVersion` is the entity's `snapshot.version` option, `version` the stream position
 * the state is folded up to, `commands` the command window at that position. Decoding never
 * throws: a snapshot it cannot use comes back as the reason, for the warning.
 */
import { isPlainObject } from "../message.ts";
import { CommandWindow, type CommandWindowJson } from "./command-window.ts";
import type { LoadedEntity } from "./loaded.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeSnapshot<State>(
  entity: LoadedEntity<State>,
  snapshotVersion: number | string,
): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      snapshotVersion,
      version: entity.version,
      lastId: entity.lastId ?? null,
      commands: entity.commands.toJson(),
      state: entity.state,
    }),
  );
}

/** The snapshot as an entity, `"other-version"` for another `snapshot.version`, or why it is unusable. */
export function decodeSnapshot<State>(
  bytes: Uint8Array,
  snapshotVersion: number | string,
): LoadedEntity<State> | "other-version" | { readonly unusable: string } {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return { unusable: `not UTF-8 JSON (${(error as Error).message})` };
  }
  if (!isPlainObject(json)) return { unusable: "not a JSON object" };
  if (json.snapshotVersion !== snapshotVersion) return "other-version";
  const { version, lastId, commands } = json;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    return { unusable: "no valid version" };
  }
  if (!(lastId === null || typeof lastId === "string")) return { unusable: "no valid lastId" };
  if (!isCommandWindowJson(commands)) return { unusable: "no valid command window" };
  if (!Object.hasOwn(json, "state")) return { unusable: "no state" };
  return {
    // A matching `snapshotVersion` is the writer's word that the state has this shape.
    state: json.state as State,
    version,
    lastId: lastId ?? undefined,
    commands: CommandWindow.fromJson(commands),
    snapshotVersion: version,
  };
}

function isCommandWindowJson(value: unknown): value is CommandWindowJson {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        Array.isArray(item) &&
        item.length === 3 &&
        typeof item[0] === "string" &&
        Number.isSafeInteger(item[1]) &&
        Number.isSafeInteger(item[2]),
    )
  );
}
