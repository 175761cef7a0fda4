/**
 * The typed-message cases need schemas, but the suite must not depend on a schema library.
 * A kit makes the few shapes they use; the project's own runs pass zod's and valibot's kits
 * (`schemaKits`), and a backend's suite without any uses the small one here.
 */
import type { StandardSchemaIssue, StandardSchemaV1 } from "../messages/standard-schema.ts";

export type FieldKind = "number" | "string";
export type Fields = Readonly<Record<string, FieldKind>>;
export type DataOfFields<Shape extends Fields> = {
  -readonly [Key in keyof Shape]: Shape[Key] extends "number" ? number : string;
};

/** Makes an object schema with the given fields, all required, in one schema library. */
export interface SchemaKit {
  /** Shown in the test titles that run once per kit. */
  readonly name: string;
  object<Shape extends Fields>(fields: Shape): StandardSchemaV1<DataOfFields<Shape>>;
}

function issuesOf(value: unknown, fields: Fields): StandardSchemaIssue[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [{ message: "expected an object" }];
  }
  const issues: StandardSchemaIssue[] = [];
  for (const [key, kind] of Object.entries(fields)) {
    const field: unknown = Reflect.get(value, key);
    if (typeof field !== kind) issues.push({ message: `expected a ${kind}`, path: [key] });
  }
  return issues;
}

/** A dependency-free Standard Schema kit: what `runConformance` uses when given none. */
export const plainSchemaKit: SchemaKit = {
  name: "plain",
  object<Shape extends Fields>(fields: Shape): StandardSchemaV1<DataOfFields<Shape>> {
    const validate = (value: unknown) => {
      const issues = issuesOf(value, fields);
      // Checked field by field just above: the value has the declared shape.
      return issues.length > 0 ? { issues } : { value: value as DataOfFields<Shape> };
    };
    return { "~standard": { version: 1, vendor: "message-store-testing", validate } };
  },
};
