/**
 * A mistake in how the command was called (unknown flag, missing argument, malformed JSON).
 * It exits 2 and prints the command's usage, unlike a failure of the store, which exits 1.
 */
export class UsageError extends Error {
  /** The command whose usage to show; `undefined` for the top-level usage. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

export const isUsageError = (error: unknown): error is UsageError => error instanceof UsageError;
