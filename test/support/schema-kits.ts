/** zod's and valibot's schema kits for the conformance suite: the typed cases run with both. */
import * as v from "valibot";
import { z } from "zod";
import type { StandardSchemaV1 } from "../../src/index.ts";
import type { DataOfFields, Fields, SchemaKit } from "../../src/testing/index.ts";

export const zodKit: SchemaKit = {
  name: "zod",
  object<Shape extends Fields>(fields: Shape): StandardSchemaV1<DataOfFields<Shape>> {
    const entries = Object.entries(fields).map(([key, kind]) => [
      key,
      kind === "number" ? z.number() : z.string(),
    ]);
    return z.object(Object.fromEntries(entries)) as StandardSchemaV1<DataOfFields<Shape>>;
  },
};

export const valibotKit: SchemaKit = {
  name: "valibot",
  object<Shape extends Fields>(fields: Shape): StandardSchemaV1<DataOfFields<Shape>> {
    const entries = Object.entries(fields).map(([key, kind]) => [
      key,
      kind === "number" ? v.number() : v.string(),
    ]);
    return v.object(Object.fromEntries(entries)) as StandardSchemaV1<DataOfFields<Shape>>;
  },
};
