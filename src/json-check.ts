/**
 * What a message may carry: values that come back from JSON exactly as they went in. JSON
 * changes some values without a word (NaN becomes null, a Date a string, a Map `{}`, a hole in
 * an array null; a function or a BigInt vanishes or throws), so a reader would see something
 * the writer never wrote. Those are refused, naming where they are (`data.items[2]`).
 *
 * One walk, and nothing is built on the way down: the path is put together only on the way
 * back up from a problem, so a plain body costs a type check per value.
 */
import { InvalidMessageError } from "./errors.ts";

/**
 * How deeply `data` and `metadata` may nest. A fixed limit gives one verdict everywhere
 * (the stack depth JSON.stringify survives differs between threads and machines) and keeps
 * bodies readable by JSON parsers with a recursion limit, such as Python's.
 */
export const MAX_JSON_DEPTH = 512;

interface Problem {
  /** From the value that was checked down to the bad one: `.items[2]`. */
  path: string;
  reason: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function within(segment: string, problem: Problem): Problem {
  return { path: `${segment}${problem.path}`, reason: problem.reason };
}

function here(reason: string): Problem {
  return { path: "", reason };
}

/** What an object that is not plain is, for the message: `a Date`, `a Map`, `a class instance`. */
function kindOf(value: object): string {
  const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object with a prototype";
}

function problemInPrimitive(value: unknown): Problem | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value)
        ? undefined
        : here(`is ${String(value)}, which JSON cannot hold (it would read back as null)`);
    case "undefined":
      return here("is undefined or a hole, which JSON writes as null");
    case "bigint":
      return here("is a BigInt, which JSON cannot hold (write it as a string)");
    case "function":
      return here("is a function, which JSON drops");
    case "symbol":
      return here("is a symbol, which JSON drops");
    default:
      return here("is not a JSON value");
  }
}

function problemIn(value: unknown, ancestors: object[]): Problem | undefined {
  if (value === null) return undefined;
  if (typeof value !== "object") return problemInPrimitive(value);
  if (ancestors.includes(value)) return here("refers back to an enclosing value (a cycle)");
  if (ancestors.length >= MAX_JSON_DEPTH) {
    return here(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  ancestors.push(value);
  let found: Problem | undefined;
  if (Array.isArray(value)) {
    found =
      prototype === Array.prototype
        ? problemInArray(value, ancestors)
        : here(`is ${kindOf(value)}, which JSON reads back as a plain array`);
  } else if (prototype === Object.prototype || prototype === null) {
    found = problemInObject(value as Record<string, unknown>, ancestors);
  } else {
    found = here(
      `is ${kindOf(value)}, which JSON does not keep (only plain objects, arrays, strings, finite numbers, booleans and null do)`,
    );
  }
  ancestors.pop();
  return found;
}

function problemInArray(array: readonly unknown[], ancestors: object[]): Problem | undefined {
  for (let index = 0; index < array.length; index++) {
    // A hole reads as undefined here, and is refused like it: JSON would write null.
    const found = problemIn(array[index], ancestors);
    if (found !== undefined) return within(`[${index}]`, found);
  }
  return undefined;
}

function problemInObject(
  object: Record<string, unknown>,
  ancestors: object[],
): Problem | undefined {
  for (const key in object) {
    const item = object[key];
    // An undefined property is left out, which reads back the same: the key is absent.
    if (item === undefined) continue;
    const found = problemIn(item, ancestors);
    if (found !== undefined) return within(keySegment(key), found);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) {
    return here("has a symbol key, which JSON drops");
  }
  return undefined;
}

/**
 * Throws `InvalidMessageError` unless `value` reads back from JSON equal to itself (`-0` reads
 * back as `0`, and a property whose value is `undefined` as an absent key). `root` names the
 * value (`data`), `where` the message (`message [2]`).
 */
export function checkJsonValue(value: unknown, root: string, where: string): void {
  let problem: Problem | undefined;
  try {
    problem = problemIn(value, []);
  } catch (cause) {
    // A getter or a proxy of the caller's threw while being read.
    throw new InvalidMessageError(`${where}: ${root} could not be read`, { cause });
  }
  if (problem !== undefined) {
    throw new InvalidMessageError(`${where}: ${root}${problem.path} ${problem.reason}`);
  }
}
