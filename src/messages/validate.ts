/** Running a type's schema on a message's data, and reporting what it found. */
import { InvalidMessageError, type MessageIssue } from "../errors.ts";
import type {
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
} from "./standard-schema.ts";

function pathOf(issue: StandardSchemaIssue): (string | number)[] {
  return (issue.path ?? []).map((segment) => {
    const key = typeof segment === "object" ? segment.key : segment;
    return typeof key === "number" ? key : String(key);
  });
}

function issuesOf(result: StandardSchemaResult<unknown>): readonly MessageIssue[] | undefined {
  if (result.issues === undefined) return undefined;
  return result.issues.map((issue) => ({ path: pathOf(issue), message: issue.message }));
}

/**
 * The schema's issues with `data`, or `undefined` when it passes. Synchronous schemas (zod's
 * and valibot's usual ones) answer without a promise, so a delivery is not held a tick longer.
 */
export function checkData(
  schema: StandardSchemaV1,
  data: unknown,
): readonly MessageIssue[] | undefined | Promise<readonly MessageIssue[] | undefined> {
  const result = schema["~standard"].validate(data);
  return result instanceof Promise ? result.then(issuesOf) : issuesOf(result);
}

/** `amount: Expected number; owner: Required`: the issues as one line, for logs and dead letters. */
export function describeIssues(issues: readonly MessageIssue[]): string {
  return issues
    .map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`,
    )
    .join("; ");
}

/** The error for data its schema refused; `where` names the message (`message [2] Deposited`). */
export function invalidData(where: string, issues: readonly MessageIssue[]): InvalidMessageError {
  return new InvalidMessageError(`${where} does not match its schema: ${describeIssues(issues)}`, {
    issues,
  });
}
