import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { foldIn } from '@elbo/prob';
import type { DataParallel, ShardResult, ShardSettings } from '../parallel';
import type { VAE } from '../vae';
import { Control, Result, readError, sharedViews } from './shared-layout';
import type { SharedViews, StepMessage, WorkerInit, WorkerReport } from './shared-layout';
import { WorkerSetupError, checkWorkerSetup } from './worker-setup';
import type { WorkerSetup } from './worker-setup';

/** Options of {@link workerThreads}. */
export interface WorkerThreadsOptions {
  /**
   * What each worker runs before it loads its replica, to select its backend:
   * a module (URL or absolute path), the exported function to await, and its
   * options (plain data). Required: @elbo/vae imports no backend. The backend
   * it selects must be the one the training thread runs.
   */
  setup: WorkerSetup;
  /** Replicas in worker threads, besides the training thread. Default: one per further CPU core (at least 1). */
  workers?: number;
  /** Longest wait for a worker's answer to one step (ms) before `fit` fails. Default 60000. */
  timeoutMs?: number;
}

interface Replica {
  worker: Worker;
  views: SharedViews;
  port: import('node:worker_threads').MessagePort;
  exited: boolean;
  /** True once the worker has loaded its replica and waits on the control block. */
  ready: boolean;
}

/**
 * Data-parallel training on Node's worker threads: each worker holds a copy
 * of the model on the same backend as the training thread, and every step
 * computes the gradient on its share of the batch while the training thread
 * computes its own; the update is the one of the whole batch. On the wasm
 * backend, which runs on one core in Node, this is how a second core helps.
 *
 * Each worker first runs the application's `setup` (a module and the function
 * it exports, e.g. `@elbo/backend-node`'s `selectBackend`): the application
 * picks the backend, on the workers too. A set-up that cannot work throws a
 * {@link WorkerSetupError}: here when its options are wrong, from `open` (so
 * from `VAE.fit`) when it fails in a worker, with no worker left running.
 *
 * Weights go to the workers and gradients come back through shared memory
 * (no copies through messages); the model must be saveable (`mlp()` parts).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@elbo/backend-node';
 * import { workerThreads } from '@elbo/vae/node';
 * const { name } = await selectBackend({ prefer: ['wasm'], threads: 1 }); // the replicas take the other cores
 * const parallel = workerThreads({
 *   workers: 1,
 *   setup: { module: import.meta.resolve('@elbo/backend-node'), export: 'selectBackend', options: { prefer: [name], fallback: false } },
 * });
 * await vae.fit(x, { epochs: 10, parallel });
 * ```
 */
export function workerThreads(options: WorkerThreadsOptions): DataParallel {
  if (options == null || typeof options !== 'object')
    throw new WorkerSetupError(`workerThreads: options { setup, workers?, timeoutMs? } are required, got ${String(options)}`);
  const workers = options.workers ?? Math.max(1, availableParallelism() - 1);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`workerThreads: workers must be an integer >= 1, got ${String(options.workers)}`);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new Error(`workerThreads: timeoutMs must be a finite number > 0, got ${String(options.timeoutMs)}`);
  const setup = checkWorkerSetup(options.setup);
  let replicas: Replica[] = [];
  let step = 0;

  const open = async (vae: VAE): Promise<void> => {
    if (replicas.length > 0) throw new Error('workerThreads: already open (one fit at a time)');
    let artifacts: tf.io.ModelArtifacts | undefined;
    try {
      await vae.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
    } catch (error) {
      throw new Error(
        `workerThreads: the workers get a copy of the model through VAE.save, which failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const variables = vae.trainableVariables;
    const sizes = variables.map((v) => v.size);
    const shapes = variables.map((v) => v.shape);
    const path = workerPath();
    step = 0;
    const started = Array.from({ length: workers }, () => {
      const views = sharedViews(sizes, vae.latentDim);
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        backend: tf.getBackend(),
        setup,
        artifacts,
        buffer: views.buffer,
        sizes,
        shapes,
        latentDim: vae.latentDim,
        port: port2 as unknown as MessagePort,
      };
      const worker = new Worker(path, { workerData: init, transferList: [port2] });
      const replica: Replica = { worker, views, port: port1, exited: false, ready: false };
      worker.once('exit', () => (replica.exited = true));
      return replica;
    });
    replicas = started;
    try {
      await Promise.all(started.map((replica) => ready(replica, timeoutMs)));
    } catch (error) {
      await close();
      throw error;
    }
  };

  const dispatch = (vae: VAE, x: tf.Tensor, from: number, settings: ShardSettings): (() => ShardResult[]) => {
    if (replicas.length === 0) throw new Error('workerThreads: not open (VAE.fit opens it)');
    step++;
    const n = x.shape[0]!;
    const d = x.size / n;
    const values = x.dataSync() as Float32Array;
    const weights = vae.trainableVariables.map((v) => v.dataSync() as Float32Array);
    const share = Math.ceil((n - from) / replicas.length);
    const tasks = replicas.map((replica, k) => {
      const start = Math.min(n, from + k * share);
      const rows = Math.min(n, start + share) - start;
      if (rows === 0) return { replica, rows };
      weights.forEach((w, i) => replica.views.weights[i]!.set(w));
      const { beta, freeBits, kl, samples } = settings;
      const seed = foldIn(settings.seed, settings.step, k);
      const message: StepMessage = { step, rows, x: values.slice(start * d, (start + rows) * d), beta, freeBits, kl, samples, seed };
      replica.port.postMessage(message, [message.x.buffer as ArrayBuffer]);
      Atomics.store(replica.views.control, Control.Request, step);
      Atomics.notify(replica.views.control, Control.Request);
      return { replica, rows };
    });
    const asked = step;
    return () => tasks.filter((t) => t.rows > 0).map(({ replica, rows }) => answer(replica, asked, rows));
  };

  const answer = (replica: Replica, asked: number, rows: number): ShardResult => {
    const { control } = replica.views;
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(control, Control.Answered) !== asked) {
      const left = deadline - performance.now();
      if (left <= 0 || replica.exited)
        throw new Error(
          `workerThreads: a worker did not answer step ${asked} ${replica.exited ? '(it exited)' : `within ${timeoutMs} ms`}`,
        );
      Atomics.wait(control, Control.Answered, asked - 1, Math.min(left, 1000));
    }
    if (Atomics.load(control, Control.Status) !== 0)
      throw new Error(`workerThreads: a worker failed at step ${asked}: ${readError(replica.views)}`);
    const { result, grads, klPerDim } = replica.views;
    return { rows, loss: result[Result.Loss]!, reconstruction: result[Result.Reconstruction]!, kl: result[Result.Kl]!, klPerDim, grads };
  };

  const close = async (): Promise<void> => {
    const closing = replicas;
    replicas = [];
    await Promise.all(
      closing.map(async (replica) => {
        if (!replica.exited && !replica.ready) {
          // Still starting, or failed to: it is not waiting on the control block, so stop it outright.
          await replica.worker.terminate();
        } else if (!replica.exited) {
          const exited = new Promise<void>((resolve) => replica.worker.once('exit', () => resolve()));
          Atomics.store(replica.views.control, Control.Request, -1);
          Atomics.notify(replica.views.control, Control.Request);
          // A worker stuck in a step: stop it outright.
          const timer = setTimeout(() => void replica.worker.terminate(), 2000);
          await exited;
          clearTimeout(timer);
        }
        replica.port.close();
      }),
    );
  };

  return {
    get replicas() {
      return workers;
    },
    open,
    dispatch,
    close,
  };
}

/**
 * Resolves when the worker has loaded its replica; rejects with the worker's
 * reason otherwise (a {@link WorkerSetupError} when the set-up failed), or
 * when it has not started within `timeoutMs`.
 */
function ready(replica: Replica, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`workerThreads: a worker did not start within ${timeoutMs} ms (its set-up or the model load hangs)`)),
      timeoutMs,
    );
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    replica.worker.once('message', (m: WorkerReport) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        replica.ready = true;
        resolve();
      } else if (m.stage === 'setup') {
        fail(new WorkerSetupError(`workerThreads: the set-up failed in a worker: ${m.message}`));
      } else {
        fail(new Error(`workerThreads: a worker could not start: ${m.message}`));
      }
    });
    replica.worker.once('error', (error) => fail(new Error(`workerThreads: a worker could not start: ${error.message}`)));
    replica.worker.once('exit', (code) => fail(new Error(`workerThreads: a worker could not start: it exited with code ${code}`)));
  });
}

/** The built worker program, found through this package's own package.json (the same file from sources and from dist). */
function workerPath(): string {
  const here = typeof __filename === 'string' ? __filename : import.meta.url;
  return join(dirname(createRequire(here).resolve('@elbo/vae/package.json')), 'dist', 'replica-worker.js');
}
