import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '@elbo/nn';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { VAE } from '../vae';
import { WorkerSetupError } from './worker-setup';
import type { WorkerSetup } from './worker-setup';
import { workerThreads } from './worker-threads';

// Every worker workerThreads() starts, to see that none is left running (threadId is -1 once a worker has stopped).
const { started } = vi.hoisted(() => ({ started: [] as Worker[] }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:worker_threads')>();
  class TrackedWorker extends original.Worker {
    constructor(...args: ConstructorParameters<typeof original.Worker>) {
      super(...args);
      started.push(this);
    }
  }
  return { ...original, Worker: TrackedWorker, default: { ...original, Worker: TrackedWorker } };
});

const fixture = new URL('./worker-setup.fixture.mjs', import.meta.url);
const vae = new VAE({ encoder: mlp([6, 4], { seed: 1 }), decoder: mlp([2, 6], { seed: 2 }), latentDim: 2 });
afterAll(() => vae.dispose());
beforeEach(() => void (started.length = 0));

describe('workerThreads({ setup })', () => {
  it('refuses a set-up that cannot work, up front, with a WorkerSetupError that says what to pass', () => {
    const refused = (setup: unknown, why: RegExp): void => {
      const make = () => workerThreads({ workers: 1, setup: setup as WorkerSetup });
      expect(make).toThrow(WorkerSetupError);
      expect(make).toThrow(why);
    };
    refused(undefined, /setup is required: .*import\.meta\.resolve\('@elbo\/backend-node'\), export: 'selectBackend'/);
    refused('@elbo/backend-node', /setup must be an object \{ module, export\?, options\? \}, got string "@elbo\/backend-node"/);
    // A package name would resolve from @elbo/vae's folder: the application resolves it.
    refused(
      { module: '@elbo/backend-node' },
      /got string "@elbo\/backend-node": a package name .*: import\.meta\.resolve\('@elbo\/backend-node'\)$/,
    );
    refused({ module: './setup.js' }, /a relative path would resolve .*: new URL\('\.\/setup\.js', import\.meta\.url\)$/);
    refused({ module: 42 }, /setup\.module must be a URL or an absolute path of the set-up module, got number 42/);
    refused({ module: new URL('./no-such-setup.mjs', import.meta.url) }, /setup\.module file:.*no-such-setup\.mjs does not exist/);
    refused({ module: 'https://example.com/setup.js' }, /must be a file: or data: URL/);
    refused({ module: fixture, export: '' }, /setup\.export must be the name of a function/);
    // Functions cannot cross to a thread.
    refused({ module: fixture, options: { backend: () => 'wasm' } }, /setup\.options must be plain data .*no functions/);
    expect(() => workerThreads(undefined as never)).toThrow(WorkerSetupError);
    expect(started).toHaveLength(0);
  });

  it('rejects open() with a WorkerSetupError when the set-up fails in a worker, and leaves no worker running', async () => {
    const other = tf.getBackend() === 'cpu' ? 'wasm' : 'cpu';
    const cases: [WorkerSetup, RegExp][] = [
      [{ module: fixture, export: 'broken' }, /broken\(\) of file:.*worker-setup\.fixture\.mjs threw: this set-up fails on purpose/],
      [{ module: fixture, export: 'nope' }, /has no function export 'nope' \(its exports: broken, default, hangs, notAFunction\)/],
      [
        { module: 'data:text/javascript,throw new Error("no such backend")' },
        /setup\.module data:.* could not be imported: no such backend/,
      ],
      // The replicas must compute on the training thread's backend.
      [
        { module: fixture, options: { backend: other } },
        new RegExp(`left the worker on backend '${other}', but the training thread runs '${tf.getBackend()}'`),
      ],
    ];
    for (const [setup, why] of cases) {
      started.length = 0;
      const parallel = workerThreads({ workers: 2, setup });
      const opening = parallel.open(vae);
      await expect(opening).rejects.toThrow(WorkerSetupError);
      await expect(opening).rejects.toThrow(why);
      expect(started).toHaveLength(2);
      expect(started.map((w) => w.threadId)).toEqual([-1, -1]);
      await parallel.close(); // closing again is harmless
    }
  });

  it('stops a worker whose set-up does not finish within timeoutMs', async () => {
    const parallel = workerThreads({ workers: 1, timeoutMs: 1500, setup: { module: fixture, export: 'hangs' } });
    await expect(parallel.open(vae)).rejects.toThrow(/a worker did not start within 1500 ms/);
    expect(started.map((w) => w.threadId)).toEqual([-1]);
  });
});
