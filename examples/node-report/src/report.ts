import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnistArrays } from '@elbo/datasets';
import type { ReportOptions } from './args';
import type { Digits, ReportContext, Section, SectionResult } from './context';
import { renderPage } from './html';
import { QUICK_SIZES, firstRows } from './digits-util';
import { createProgress } from './progress';
import { SECTIONS } from './sections';

/** Where the report writes its text. */
export interface ReportIO {
  out(line: string): void;
  /** Whether progress bars may be drawn (stdout is a terminal). */
  isTTY: boolean;
}

export interface ReportOutcome {
  htmlPath: string;
  files: string[];
  seconds: number;
  sections: (SectionResult & { id: string; seconds: number })[];
}

/**
 * Runs every section, writes `report.html` and the figures into
 * `options.out`, and prints the paths and a one-screen summary.
 */
export async function runReport(options: ReportOptions, io: ReportIO, sections: readonly Section[] = SECTIONS): Promise<ReportOutcome> {
  const started = performance.now();
  const log = (line: string) => {
    if (!options.quiet) io.out(line);
  };
  const backend = await selectBackend();
  tf.enableProdMode();
  log(`backend: ${backend.name} (${backend.reason})`);

  let digits: Promise<Digits> | undefined;
  const sharedValues = new Map<string, Promise<unknown>>();
  const disposers: (() => Promise<void>)[] = [];
  const tensorsAtStart = tf.memory().numTensors;
  const ctx: ReportContext = {
    options,
    backend,
    digits: () =>
      (digits ??= mnistArrays().then(({ train, test }) =>
        options.quick ? { train: firstRows(train, QUICK_SIZES.train), test: firstRows(test, QUICK_SIZES.test) } : { train, test },
      )),
    epochs: (full, quick = 2) => options.epochs ?? (options.quick ? quick : full),
    progress: (label, total) => createProgress(label, total, io.isTTY && !options.quiet),
    log,
    shared<T>(key: string, make: () => Promise<T>, dispose?: (value: T) => void) {
      let value = sharedValues.get(key) as Promise<T> | undefined;
      if (value === undefined) {
        value = make();
        sharedValues.set(key, value);
        if (dispose) disposers.push(async () => dispose(await value!));
      }
      return value;
    },
    peek<T>(key: string) {
      return sharedValues.get(key) as Promise<T> | undefined;
    },
  };

  const done: ReportOutcome['sections'] = [];
  // For debugging one section: ELBO_REPORT_SECTIONS=pca,vae runs only those.
  const only = process.env.ELBO_REPORT_SECTIONS?.split(',').map((s) => s.trim());
  const chosen = sections.filter((s) => only === undefined || only.includes(s.id));
  // Work that can start early (a model trained in a worker thread, on the other core).
  for (const section of chosen) section.prepare?.(ctx);
  try {
    for (const section of chosen) {
      log(`▸ ${section.title}`);
      const t0 = performance.now();
      const result = await section.run(ctx);
      done.push({ ...result, title: section.title, id: section.id, seconds: (performance.now() - t0) / 1000 });
    }
  } finally {
    for (const dispose of disposers.reverse()) await dispose();
  }
  const leaked = tf.memory().numTensors - tensorsAtStart;
  if (leaked !== 0) log(`note: ${leaked} tensors were left allocated by the sections`);

  await mkdir(options.out, { recursive: true });
  const files: string[] = [];
  for (const section of done) {
    for (const fig of section.pngs) {
      const path = join(options.out, fig.file);
      await writeFile(path, fig.png);
      files.push(path);
    }
    for (const fig of section.svgs ?? []) {
      const path = join(options.out, fig.file);
      await writeFile(path, fig.svg);
      files.push(path);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const d = await ctx.digits();
  const html = renderPage(done, {
    backendLine: `backend: ${backend.name}`,
    dataLine: `${d.train.shape[0]} training and ${d.test.shape[0]} test digits`,
    generated: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    wallSeconds: seconds,
    mode: options.quick ? 'quick mode (--quick): small subsets, few epochs' : `seed ${options.seed}`,
  });
  const htmlPath = join(options.out, 'report.html');
  await writeFile(htmlPath, html);

  io.out('');
  io.out(`report:  ${htmlPath}`);
  io.out(`figures: ${files.length} files in ${options.out}`);
  for (const f of files) io.out(`  ${f}`);
  io.out('');
  for (const [i, section] of done.entries()) {
    io.out(`${i}. ${section.title}  (${section.seconds.toFixed(1)} s)`);
    for (const line of section.summary) io.out(`  ${line}`);
  }
  io.out('');
  io.out(`done in ${seconds.toFixed(1)} s on ${backend.name}`);
  return { htmlPath, files: [htmlPath, ...files], seconds, sections: done };
}
