/**
 * Message contracts: a category's message types declared once, each with a Standard Schema
 * (or `declared<T>()` for a type checked by the compiler only), so the store can type every
 * read and write from the reference the caller passes, and check and upcast at run time.
 */
import { InvalidOptionsError } from "../errors.ts";
import type { Message, Metadata, RecordedMessage } from "../message.ts";
import { parseCategory, parseStream } from "../stream-name.ts";
import type { SchemaInput, StandardSchemaV1 } from "./standard-schema.ts";

/**
 * Turns one schema version's data into the next one's. The store never checks the old shape,
 * so the parameter's annotation is the caller's statement of it: `(v1: { amount: number }) => …`.
 */
export type Upcaster = (data: never, metadata: Metadata) => unknown;

/** A type whose data changed shape: the newest schema, and how older versions become it. */
export interface VersionedMessage<Schema extends StandardSchemaV1 = StandardSchemaV1> {
  readonly schema: Schema;
  /**
   * `upcasters[0]` turns version 1 into 2, `upcasters[1]` 2 into 3, and so on: the newest
   * version is `upcasters.length + 1`. A message without `schemaVersion` is version 1.
   */
  readonly upcasters: readonly Upcaster[];
}

export type MessageSpec = StandardSchemaV1 | VersionedMessage;
export type MessageSpecs = { readonly [type: string]: MessageSpec };

/** The data of a message declared by `Spec`: what its schema accepts. */
export type DataOf<Spec> =
  Spec extends VersionedMessage<infer Schema>
    ? SchemaInput<Schema>
    : Spec extends StandardSchemaV1
      ? SchemaInput<Spec>
      : never;

/** The union of a contract's stored messages: `type` narrows `data`. */
export type RecordedMessageOf<Specs> = {
  [Type in keyof Specs & string]: RecordedMessage<Type, DataOf<Specs[Type]>>;
}[keyof Specs & string];

/** A message to write of a declared type: `data` is required and typed. */
export interface DeclaredMessage<Type extends string, Data> extends Message<Type, Data> {
  data: Data;
}

export type MessageToWriteOf<Specs> = {
  [Type in keyof Specs & string]: DeclaredMessage<Type, DataOf<Specs[Type]>>;
}[keyof Specs & string];

/** What the store runs for one declared type. */
export interface CompiledSpec {
  /** `undefined` for `declared<T>()`: checked by the compiler only. */
  readonly schema: StandardSchemaV1 | undefined;
  readonly upcasters: readonly Upcaster[];
  /** The newest schema version: what writes store. */
  readonly version: number;
}

/** A category's contract as the store uses it at run time. */
export interface MessageContract<Specs extends MessageSpecs = MessageSpecs> {
  readonly category: string;
  readonly specs: Specs;
  readonly compiled: ReadonlyMap<string, CompiledSpec>;
  /** Whether any type has upcasters: reads skip upcasting entirely when none does. */
  readonly upcasts: boolean;
}

/** Anything that carries a contract: a category from `defineCategory`, or one of its streams. */
export interface Contracted<Specs extends MessageSpecs = MessageSpecs> {
  readonly contract: MessageContract<Specs>;
}

/** A stream of a contracted category; a `StreamRef` wherever the store takes one. */
export interface TypedStream<Specs extends MessageSpecs = MessageSpecs> extends Contracted<Specs> {
  readonly category: string;
  readonly id: string;
  /** `category-id`, for logs and for APIs that take a name. */
  readonly name: string;
}

/** A contracted category; a `TargetRef` wherever the store takes one. */
export interface TypedCategory<Specs extends MessageSpecs = MessageSpecs>
  extends Contracted<Specs> {
  readonly category: string;
  /** The stream `category-id`; an array id makes a compound id (`"123+456"`). */
  stream(id: string | readonly string[]): TypedStream<Specs>;
}

/** The stream type of a contracted category: `StreamOf<typeof accounts>`. */
export type StreamOf<Category> =
  Category extends Contracted<infer Specs> ? TypedStream<Specs> : never;

/** The messages `ref` yields: its contract's union, or `RecordedMessage` for a plain name. */
export type MessageOf<Ref> =
  Ref extends Contracted<infer Specs> ? RecordedMessageOf<Specs> : RecordedMessage;

/** The messages `ref` accepts in a write. */
export type MessageToWrite<Ref> =
  Ref extends Contracted<infer Specs> ? MessageToWriteOf<Specs> : Message;

const DECLARED_VENDOR = "message-store/declared";

/**
 * A message type checked by the compiler only: `Deposited: declared<{ amount: number }>()`.
 * Nothing runs at write or delivery for it.
 */
export function declared<Data>(): StandardSchemaV1<Data> {
  // Never called by the store (it skips this vendor); here so the object is a whole schema.
  // The type is the caller's declaration: nothing at run time can check it.
  const validate = (value: unknown): { value: Data } => ({ value: value as Data });
  return { "~standard": { version: 1, vendor: DECLARED_VENDOR, validate } };
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const props: unknown = Reflect.get(value, "~standard");
  return (
    props !== null &&
    typeof props === "object" &&
    typeof Reflect.get(props, "validate") === "function"
  );
}

function compileSpec(category: string, type: string, spec: unknown): CompiledSpec {
  const where = `defineCategory ${category}: message type ${JSON.stringify(type)}`;
  if (type.length === 0) throw new InvalidOptionsError(`${where} needs a non-empty name`);
  const versioned = !isStandardSchema(spec);
  const schema: unknown = versioned ? Reflect.get(Object(spec), "schema") : spec;
  const upcasters: unknown = versioned ? Reflect.get(Object(spec), "upcasters") : [];
  if (!isStandardSchema(schema)) {
    throw new InvalidOptionsError(
      `${where} must be a Standard Schema (zod, valibot, arktype…), declared<T>(), or { schema, upcasters }`,
    );
  }
  if (!Array.isArray(upcasters) || !upcasters.every((step) => typeof step === "function")) {
    throw new InvalidOptionsError(`${where}: upcasters must be an array of functions`);
  }
  const checked: readonly Upcaster[] = upcasters;
  return {
    schema: schema["~standard"].vendor === DECLARED_VENDOR ? undefined : schema,
    upcasters: checked,
    version: checked.length + 1,
  };
}

/**
 * Declares the messages of `category` once:
 *
 * ```ts
 * const accounts = defineCategory("account", {
 *   Deposited: z.object({ amount: z.number() }),
 *   Withdrawn: z.object({ amount: z.number() }),
 * });
 * await store.write(accounts.stream("42"), { type: "Deposited", data: { amount: 10 } });
 * ```
 *
 * A category that contains `-` is passed as `{ category: "import-podcast:command" }`. Throws
 * `InvalidStreamNameError` for a bad category, `InvalidOptionsError` for a bad spec.
 */
export function defineCategory<Specs extends MessageSpecs>(
  categoryName: string | { readonly category: string },
  messages: Specs,
): TypedCategory<Specs> {
  const category = parseCategory(categoryName, "defineCategory");
  if (messages === null || typeof messages !== "object") {
    throw new InvalidOptionsError(`defineCategory ${category}: messages must be an object by type`);
  }
  const compiled = new Map<string, CompiledSpec>();
  for (const [type, spec] of Object.entries(messages)) {
    compiled.set(type, compileSpec(category, type, spec));
  }
  const contract: MessageContract<Specs> = {
    category,
    specs: messages,
    compiled,
    upcasts: [...compiled.values()].some((spec) => spec.upcasters.length > 0),
  };
  return {
    category,
    contract,
    stream(id: string | readonly string[]): TypedStream<Specs> {
      const joined = typeof id === "string" ? id : id.join("+");
      const parsed = parseStream({ category, id: joined });
      return { category, id: parsed.id, name: parsed.name, contract };
    },
  };
}

/** The contract `ref` carries, if any: how the store knows to check and upcast. */
export function contractOf(ref: unknown): MessageContract | undefined {
  if (ref === null || typeof ref !== "object") return undefined;
  const contract: unknown = Reflect.get(ref, "contract");
  return isContract(contract) ? contract : undefined;
}

function isContract(value: unknown): value is MessageContract {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof Reflect.get(value, "category") === "string" &&
    Reflect.get(value, "compiled") instanceof Map
  );
}
