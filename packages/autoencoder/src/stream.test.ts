import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { npyBatches, readNpy, writeLinesNpy } from '@elbo/datasets/node';
import { Autoencoder, mlp } from './index';
import { expectClose } from '../../../tooling/testing';

const dir = mkdtempSync(join(tmpdir(), 'elbo-ae-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training from a .npy file streamed by @elbo/datasets/node', () => {
  it('fits and evaluates from npyBatches without leaking, matching the in-memory evaluation', async () => {
    const file = join(dir, 'lines.npy');
    await writeLinesNpy(file, { n: 300, size: 12, seed: 0 });
    const ae = new Autoencoder({ encoder: mlp([144, 16, 4], { seed: 0 }), decoder: mlp([4, 16, 144], { seed: 1 }) });
    const stream = npyBatches(file, { batchSize: 64, seed: 0 });
    const before = tf.memory().numTensors;
    const history = await ae.fit(stream, { epochs: 2, learningRate: 1e-2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.steps).toBe(2 * Math.ceil(300 / 64));
    expect(history.history.loss![1]!).toBeLessThan(history.history.loss![0]!);
    const { data, shape } = await readNpy(file);
    const x = tf.tensor2d(data as Float32Array, shape as [number, number]);
    const streamed = await ae.evaluate(npyBatches(file, { batchSize: 50, shuffle: false }));
    const inMemory = await ae.evaluate(x);
    expectClose(streamed.loss, [inMemory.loss], { rtol: 1e-5 });
    expectClose(streamed.mse, [inMemory.mse], { rtol: 1e-5 });
    expect(tf.memory().numTensors).toBe(before + 1);
    x.dispose();
    ae.dispose();
  });
});
