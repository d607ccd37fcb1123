/**
 * The shared memory between the training thread and one replica worker: a
 * SharedArrayBuffer the two read and write, with Atomics for the hand-off.
 * The batch rows and settings of a step travel as a message (read with
 * `receiveMessageOnPort`, since the worker blocks in `Atomics.wait`).
 */
import type { CheckedSetup } from './worker-setup';

/** Int32 slots of the control block. */
export const Control = {
  /** Step number the training thread asks for (-1: stop). */
  Request: 0,
  /** Step number the worker has answered. */
  Answered: 1,
  /** 0: the answer is a result; 1: it is an error (text in the error region). */
  Status: 2,
} as const;

/** Float64 slots of the result block. */
export const Result = { Loss: 0, Reconstruction: 1, Kl: 2 } as const;

const CONTROL_BYTES = 16;
const RESULT_BYTES = 32;
const ERROR_BYTES = 4096;

/** Views onto one worker's shared buffer; `sizes` are the trainable variables' element counts. */
export interface SharedViews {
  buffer: SharedArrayBuffer;
  control: Int32Array;
  result: Float64Array;
  weights: Float32Array[];
  grads: Float32Array[];
  klPerDim: Float32Array;
  error: Uint8Array;
}

export function sharedViews(sizes: number[], latentDim: number, buffer?: SharedArrayBuffer): SharedViews {
  const total = sizes.reduce((s, n) => s + n, 0);
  const floats = 2 * total + latentDim;
  const bytes = CONTROL_BYTES + RESULT_BYTES + 4 * floats + ERROR_BYTES;
  const sab = buffer ?? new SharedArrayBuffer(bytes);
  if (sab.byteLength !== bytes) throw new Error(`replica worker: shared buffer has ${sab.byteLength} bytes, expected ${bytes}`);
  let offset = CONTROL_BYTES + RESULT_BYTES;
  const take = (n: number): Float32Array => {
    const view = new Float32Array(sab, offset, n);
    offset += 4 * n;
    return view;
  };
  const weights = sizes.map(take);
  const grads = sizes.map(take);
  const klPerDim = take(latentDim);
  return {
    buffer: sab,
    control: new Int32Array(sab, 0, 4),
    result: new Float64Array(sab, CONTROL_BYTES, 4),
    weights,
    grads,
    klPerDim,
    error: new Uint8Array(sab, offset, ERROR_BYTES),
  };
}

/** The message that carries one step's rows and settings to a worker. */
export interface StepMessage {
  step: number;
  rows: number;
  x: Float32Array;
  beta: number;
  freeBits: number;
  kl: 'analytic' | 'monte-carlo';
  samples: number;
  seed: number;
}

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  /** The training thread's backend: the set-up must select the same. */
  backend: string;
  /** The application's set-up, checked by `workerThreads()`. */
  setup: CheckedSetup;
  artifacts: unknown;
  buffer: SharedArrayBuffer;
  sizes: number[];
  shapes: number[][];
  latentDim: number;
  port: MessagePort;
}

/** The one message a worker posts once started: ready, or why not (the set-up, or the model). */
export type WorkerReport = { type: 'ready'; backend: string } | { type: 'failed'; stage: 'setup' | 'model'; message: string };

export function writeError(views: SharedViews, message: string): void {
  const bytes = new TextEncoder().encode(message.slice(0, 1000));
  views.error.fill(0);
  views.error.set(bytes.subarray(0, views.error.length));
}

export function readError(views: SharedViews): string {
  const end = views.error.indexOf(0);
  // TextDecoder refuses views onto shared memory: copy first.
  return new TextDecoder().decode(views.error.slice(0, end < 0 ? views.error.length : end));
}
