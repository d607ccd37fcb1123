/**
 * The `elbo` command line as a function, for scripts and tests, and the run-folder reader.
 * @packageDocumentation
 */
export { main } from './program';
export { EXIT, CliError, UsageError } from './errors';
export { readRun, MODEL_DIR } from './run-folder';
export type { RunRecord } from './run-folder';
export { MODEL_KINDS, SAMPLE_SOURCES, SCORE_NAMES } from './models';
export type { ModelKind, SampleSource, TrainSettings } from './models';
