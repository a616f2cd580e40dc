/**
 * An error caused by the user's input or environment (missing data, bad file, offline), not by a bug:
 * the CLI prints its message without a stack trace. The message says what was wrong and what to do.
 */
export class MathagentError extends Error {
  readonly userFacing = true;
  override name = "MathagentError";
}

/** A mistake in how a command was called: the CLI prints it with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
