/** The names this entry point registers under. */

/** Tracer name of the store's own spans (Zencastr categories use `ZENCASTR_TRACER_NAME`). */
export const TRACER_NAME = "message-store";
/** Meter name of every instrument. */
export const METER_NAME = "message-store";
