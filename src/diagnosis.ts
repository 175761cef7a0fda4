/**
 * What `store.diagnose()` (and `mstore doctor`) reports: one finding per thing checked, each
 * saying whether data is at risk. docs/reliability.md explains every check and what to do.
 */

/**
 * `ok`: nothing to do. `warning`: acknowledged data may be lost, or a subscription may stall.
 * `unknown`: the store could not find out (e.g. the sync setting without system account
 * access); says how to check by hand.
 */
export type FindingStatus = "ok" | "warning" | "unknown";

export interface Finding {
  /** What was checked: `server`, `cluster`, `sync`, `category`, `consumer`, `backend`. */
  readonly check: string;
  /** What it was checked on: the server, a category's name, `category/consumer`. */
  readonly subject: string;
  readonly status: FindingStatus;
  /** One line for people. */
  readonly detail: string;
}

export interface Diagnosis {
  /** The backend's `kind`. */
  readonly backend: string;
  readonly findings: readonly Finding[];
}

/** Whether any finding is a warning: what `mstore doctor`'s exit code says. */
export function hasWarnings(diagnosis: Diagnosis): boolean {
  return diagnosis.findings.some((finding) => finding.status === "warning");
}
