import { USAGE, UsageError, parseReportArgs } from './args';
import { runReport } from './report';

/** Where the CLI writes. */
export interface MainIO {
  stdout(text: string): void;
  stderr(text: string): void;
  isTTY: boolean;
  /** Folder relative paths are resolved against. */
  cwd: string;
}

/**
 * The command line: parses flags, runs the report, and returns the exit
 * status (0 done, 1 failed, 2 bad flags: usage printed on stderr).
 */
export async function main(argv: readonly string[], io: MainIO): Promise<number> {
  let options;
  try {
    options = parseReportArgs(argv, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  try {
    await runReport(options, { out: (line) => io.stdout(`${line}\n`), isTTY: io.isTTY });
    return 0;
  } catch (error) {
    io.stderr(`report failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
