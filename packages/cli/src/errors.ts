/**
 * The exit codes of `elbo`, the contract scripts rely on.
 * @example
 * ```ts
 * if (code === EXIT.interrupted) console.log('stopped by Ctrl-C; the last good model was kept');
 * ```
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Failed: bad data, a file that cannot be read or written, a model that cannot be loaded. */
  failed: 1,
  /** Usage: an unknown command or flag, a missing argument, a bad value. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT); what was done so far is kept. */
  interrupted: 130,
} as const;

/**
 * An error the CLI reports in one line and turns into an exit code.
 * @example
 * ```ts
 * throw new CliError('elbo train: --out runs/x already exists; pass --force to replace it', EXIT.failed);
 * ```
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * A usage error (exit code 2): a bad flag value or a missing argument.
 * @example
 * ```ts
 * throw new UsageError('elbo train: --size must be a positive integer, got "abc"');
 * ```
 */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
