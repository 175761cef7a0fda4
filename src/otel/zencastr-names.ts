/**
 * Names as Zencastr's Python wrapper (`message-store-open-telemetry`) gives them, so one
 * trace reads the same across both languages: its tracer name, its span names, and its rule
 * for keeping per-entity ids out of span names.
 */

/** The tracer name Zencastr's wrapper uses. */
export const ZENCASTR_TRACER_NAME = "message-store-open-telemetry";

const OBJECT_ID = /^[0-9a-f]{24}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The subject with each token that is a Mongo ObjectId or a UUID replaced by `{id}`: a span
 * name keys span metrics, and an id in it would make one series per entity.
 */
export function lowCardinalitySubject(subject: string): string {
  return subject
    .split(".")
    .map((token) => (OBJECT_ID.test(token) || UUID.test(token) ? "{id}" : token))
    .join(".");
}

/** `{prefix}.{category}.{id}`: the entity subject Zencastr publishes to. */
export function entitySubject(prefix: string, category: string, id: string | undefined): string {
  const head = prefix === "" ? category : `${prefix}.${category}`;
  return id === undefined ? head : `${head}.${id}`;
}

/** The subscription's filter subject, as Zencastr names its process spans by it. */
export function filterSubject(prefix: string, category: string, id: string | undefined): string {
  return `${entitySubject(prefix, category, id)}.>`;
}
