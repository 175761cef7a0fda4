/**
 * The part of the Standard Schema interface (standardschema.dev, version 1) the store relies
 * on, declared here so the package depends on no schema library: zod ≥ 3.24, valibot ≥ 1 and
 * arktype ≥ 2 objects match it structurally. Types only; nothing here runs.
 */

/** A schema any conforming library produces; `Input` is what it accepts, `Output` what it gives. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (
    value: unknown,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Present only in the types, for inference; libraries leave it `undefined` at run time. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** What a schema accepts: the data a message of its type is written and read with. */
export type SchemaInput<Schema extends StandardSchemaV1> = NonNullable<
  Schema["~standard"]["types"]
>["input"];
