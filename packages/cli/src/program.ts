import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { selectBackend } from '@elbo/backend-node';
import { CliError, EXIT } from './errors';
import { MODEL_KINDS, SAMPLE_SOURCES, SCORE_NAMES, type SampleSource } from './models';
import { hexColour, nonNegativeInteger, numberIn, oneOf, positiveInteger } from './parse-options';
import { encodeCommand, sampleCommand, scoreCommand } from './run-commands';
import { DEFAULT_SIZE, train, type TrainFlags } from './train';

const EXIT_CODES = `
Exit codes:
  0    done
  1    failed: bad data, unreadable or unwritable files, a folder that is not a run
  2    usage: unknown command or flag, missing argument, bad value
  130  interrupted by Ctrl-C (train keeps the last good model and its report)`;

/**
 * Runs the `elbo` command line (without `node` and the script path) and returns
 * its exit code; prints to stdout/stderr. Never calls `process.exit`.
 * @example
 * ```ts
 * process.exitCode = await main(['train', 'photos', '--size', '32', '--out', 'runs/photos']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version exit 0; every parse error of commander's is a usage error
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`elbo: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}

function buildProgram(setCode: (code: number) => void): Command {
  const program = new Command('elbo')
    .description('Train a VAE, convolutional VAE, autoencoder or PCA on your own images, and sample, encode and score with it.')
    .version(version(), '-V, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText('after', EXIT_CODES)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  const t = 'elbo train';
  program
    .command('train')
    .description(
      'train a model on a folder of PNG/JPEG images (searched recursively; first-level subfolders are labels) or a .npy file, and write a run folder with the model, run.json, samples.png and report.html',
    )
    .argument('<input>', 'a folder of images, or a .npy file of uint8 [n, h, w(, c)] or float32 in [0, 1]')
    .addOption(
      new Option('--model <kind>', 'conv-vae: convolutional VAE; vae: MLP VAE; ae: deterministic MLP autoencoder; pca: (probabilistic) PCA')
        .default('conv-vae')
        .argParser(oneOf(t, '--model', MODEL_KINDS)),
    )
    .addOption(
      new Option(
        '--size <pixels>',
        `images are resized to size x size (see --fit); a .npy file keeps its own size (default: ${DEFAULT_SIZE} for folders)`,
      ).argParser(positiveInteger(t, '--size')),
    )
    .addOption(
      new Option('--channels <n>', '3 (RGB) or 1 (grey)')
        .default(3)
        .argParser((v) => Number(oneOf(t, '--channels', ['1', '3'])(v)) as 1 | 3),
    )
    .addOption(
      new Option('--fit <how>', 'cover: fill size x size and crop the centre; contain: fit inside and pad with the background')
        .default('cover')
        .argParser(oneOf(t, '--fit', ['cover', 'contain'] as const)),
    )
    .addOption(
      new Option('--background <colour>', "'#rgb' or '#rrggbb': what transparency is composited onto, and what contain pads with")
        .default([255, 255, 255], '#ffffff')
        .argParser(hexColour(t, '--background')),
    )
    .addOption(new Option('--epochs <n>', 'training epochs').default(30).argParser(positiveInteger(t, '--epochs')))
    .addOption(new Option('--batch-size <n>', 'images per step').default(64).argParser(positiveInteger(t, '--batch-size')))
    .addOption(new Option('--learning-rate <rate>', 'Adam learning rate').default(1e-3).argParser(numberIn(t, '--learning-rate', 1e-7, 1)))
    .addOption(new Option('--latent <n>', 'latent dimensions (PCA: components)').default(16).argParser(positiveInteger(t, '--latent')))
    .addOption(
      new Option('--validation <fraction>', 'share held out (seeded) for the validation loss')
        .default(0.1)
        .argParser(numberIn(t, '--validation', 0, 0.5)),
    )
    .addOption(new Option('--seed <n>', 'seed of weights, split, shuffles and noise').default(0).argParser(nonNegativeInteger(t, '--seed')))
    .option('--out <dir>', 'the run folder to write (default: runs/<timestamp>)')
    .option('--force', 'replace an existing run folder (kept until the new run is complete)', false)
    .option('--skip-bad', 'leave out unreadable images and count them (default: the first one fails the run)', false)
    .option('--quiet', 'no progress output', false)
    .addHelpText(
      'after',
      `\nCtrl-C stops at the next batch boundary and keeps the last good model (exit 130); a second Ctrl-C exits at once.${EXIT_CODES}`,
    )
    .action(async (input: string, flags: TrainFlags) => {
      if (flags.latent < 2 && flags.model !== 'pca')
        throw new CliError(`${t}: --latent must be at least 2 for ${flags.model}, got ${flags.latent}`, EXIT.usage);
      await selectBackend();
      setCode(await withCtrlC((signal) => train(input, flags, signal), flags.quiet));
    });

  program
    .command('sample')
    .description('draw samples from a trained run and write them as one PNG grid')
    .argument('<run>', 'a run folder written by elbo train')
    .addOption(new Option('-n, --count <n>', 'how many samples').default(64).argParser(positiveInteger('elbo sample', '-n')))
    .requiredOption('--out <file.png>', 'the PNG to write')
    .addOption(new Option('--seed <n>', 'seed of the draws').default(0).argParser(nonNegativeInteger('elbo sample', '--seed')))
    .addOption(
      new Option(
        '--from <source>',
        "codes: decode codes drawn from a Gaussian fitted to the training images' codes (VAE posterior means, autoencoder codes); prior: a VAE's z ~ N(0, I)",
      )
        .default('codes')
        .argParser(oneOf('elbo sample', '--from', SAMPLE_SOURCES)),
    )
    .addHelpText('after', EXIT_CODES)
    .action(async (run: string, flags: { count: number; out: string; seed: number; from: SampleSource }) => {
      await selectBackend();
      await sampleCommand(run, { n: flags.count, out: flags.out, seed: flags.seed, from: flags.from });
    });

  program
    .command('encode')
    .description(
      "write the latent means of a folder's images (or a .npy file's) as a float32 .npy [n, latent], read as the run read its training images",
    )
    .argument('<run>', 'a run folder written by elbo train')
    .argument('<input>', 'a folder of images or a .npy file')
    .requiredOption('--out <z.npy>', 'the .npy file to write')
    .option('--skip-bad', 'leave out unreadable images', false)
    .addHelpText('after', EXIT_CODES)
    .action(async (run: string, input: string, flags: { out: string; skipBad: boolean }) => {
      await selectBackend();
      await encodeCommand(run, input, flags);
    });

  program
    .command('score')
    .description('score each image and print CSV: file, label, score, and typicality against the training scores (higher = more typical)')
    .argument('<run>', 'a run folder written by elbo train')
    .argument('<input>', 'a folder of images or a .npy file')
    .option('--out <scores.csv>', 'write the CSV here instead of stdout')
    .addOption(new Option('--seed <n>', 'seed of the ELBO draw (VAEs)').default(0).argParser(nonNegativeInteger('elbo score', '--seed')))
    .option('--skip-bad', 'leave out unreadable images', false)
    .addHelpText(
      'after',
      `\nScores: ${Object.entries(SCORE_NAMES)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}.${EXIT_CODES}`,
    )
    .action(async (run: string, input: string, flags: { out?: string; seed: number; skipBad: boolean }) => {
      await selectBackend();
      const csv = await scoreCommand(run, input, flags);
      if (flags.out === undefined) process.stdout.write(csv);
      else
        await writeFile(flags.out, csv).catch((error: Error) => {
          throw new CliError(`elbo score: cannot write --out ${flags.out}: ${error.message}`);
        });
    });
  return program;
}

/** Runs `job` with an AbortSignal that the first Ctrl-C aborts; a second Ctrl-C exits at once (130). */
async function withCtrlC(job: (signal: AbortSignal) => Promise<number>, quiet: boolean): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    if (!quiet) process.stderr.write('\nCtrl-C: stopping after this batch (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await job(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function version(): string {
  return typeof __ELBO_CLI_VERSION__ === 'string' ? __ELBO_CLI_VERSION__ : '0.0.0';
}

declare const __ELBO_CLI_VERSION__: string | undefined;
