/**
 * A failure the CLI reports as one line on stderr with a chosen exit code: bad usage, an unusable
 * input, an unknown job, a store in use. Its message never holds a secret.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    /** The process exit code: 2 for bad usage and unusable input, 1 for a job that failed. */
    readonly exitCode: number = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
