import type { BackendSelection } from '@elbo/backend-node';
import type { MnistArrays } from '@elbo/datasets';
import type { ReportOptions } from './args';
import type { Progress } from './progress';

/** A PNG figure: written beside report.html and inlined into it. */
export interface PngFigure {
  /** File name in the output folder, e.g. `pca-components.png`. */
  file: string;
  /** The encoded PNG. */
  png: Buffer;
  /** What the picture shows (alt text and caption). */
  caption: string;
}

/** A chart: an SVG inlined into report.html and written beside it. */
export interface SvgFigure {
  file: string;
  svg: string;
  caption: string;
}

/** What one section of the report hands back. */
export interface SectionResult {
  title: string;
  /** The section's body (figures already inlined). */
  html: string;
  pngs: PngFigure[];
  svgs?: SvgFigure[];
  /** One to three short lines for the terminal summary. */
  summary: string[];
}

/** The digits every section works on: the reference split, or a subset of it with --quick. */
export interface Digits {
  train: MnistArrays;
  test: MnistArrays;
}

/** What every section receives. */
export interface ReportContext {
  options: ReportOptions;
  backend: BackendSelection;
  /** The MNIST digits (loaded once, shared). */
  digits(): Promise<Digits>;
  /** Epochs for a model: --epochs when given, else `full`, or `quick` with --quick. */
  epochs(full: number, quick?: number): number;
  /** A progress bar (a no-op when quiet or not a TTY). */
  progress(label: string, total: number): Progress;
  /** One line of log (suppressed with --quiet). */
  log(line: string): void;
  /**
   * A value shared between sections (a fitted PCA, a trained VAE): made once
   * by `make`, released by `dispose` when the report ends.
   */
  shared<T>(key: string, make: () => Promise<T>, dispose?: (value: T) => void): Promise<T>;
  /** Looks up a shared value made by an earlier section, if any. */
  peek<T>(key: string): Promise<T> | undefined;
}

/** A section of the report: one step of the road from Bayes' rule to the VAE. */
export interface Section {
  /** Anchor in the page and stem of its files. */
  id: string;
  /** Title, known before the section runs (the test checks every title is in the page). */
  title: string;
  run(ctx: ReportContext): Promise<SectionResult>;
  /** Called for every section before the first one runs, to start work in the background. */
  prepare?(ctx: ReportContext): void;
}
