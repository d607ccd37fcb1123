import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Layer, layerFromConfig, registerLayer, registeredLayerKinds } from '@elbo/nn';
import type { LayerConfig, WeightSpec } from '@elbo/nn';

/** A layer kind from outside the package: y = 2x. */
class Double extends Layer {
  readonly kind = 'TestDouble';
  get trainableVariables(): tf.Variable[] {
    return [];
  }
  protected call(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, 2);
  }
  protected computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
  getConfig(): LayerConfig {
    return { kind: 'TestDouble' };
  }
  weightSpecs(): WeightSpec[] {
    return [];
  }
}

describe('the layer registry', () => {
  it('holds every built-in kind, on globalThis under Symbol.for("elbo.nn.layers")', () => {
    expect(registeredLayerKinds()).toEqual(expect.arrayContaining(['Activation', 'Flatten', 'Linear', 'Reshape', 'Sequential']));
    const shared = (globalThis as unknown as Record<symbol, Map<string, unknown>>)[Symbol.for('elbo.nn.layers')];
    expect(shared).toBeInstanceOf(Map);
    expect([...shared!.keys()].sort()).toEqual(registeredLayerKinds());
  });

  it('builds registered kinds from outside the package, inside stacks too', () => {
    registerLayer('TestDouble', { fromConfig: () => new Double() });
    const net = layerFromConfig({
      kind: 'Sequential',
      inputShape: [2],
      layers: [{ kind: 'TestDouble' }, { kind: 'Activation', activation: 'relu' }],
    });
    const y = net.apply([[1, -3]]);
    expect(Array.from(y.dataSync())).toEqual([2, 0]);
    y.dispose();
    net.dispose();
  });

  it('rejects an unknown kind listing the known ones, and bad configs and entries', () => {
    expect(() => layerFromConfig({ kind: 'Conv3d' })).toThrow(
      /layerFromConfig: unknown layer kind "Conv3d"; known kinds: Activation, Conv2d, ConvTranspose2d, Flatten, Linear, Reshape, Sequential/,
    );
    expect(() => layerFromConfig({ sizes: [2, 3] } as never)).toThrow(
      'layerFromConfig: config must be an object with a string kind, got {"sizes":[2,3]}',
    );
    expect(() => registerLayer('', { fromConfig: () => new Double() })).toThrow(/kind must be a non-empty string/);
    expect(() => registerLayer('X', {} as never)).toThrow('registerLayer: entry must be { fromConfig(config) } for kind "X"');
    const before = tf.memory().numTensors;
    expect(() =>
      layerFromConfig({ kind: 'Sequential', inputShape: [2], layers: [{ kind: 'Linear', inputDim: 2, outputDim: 2 }, { kind: 'Nope' }] }),
    ).toThrow(/unknown layer kind "Nope"/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
