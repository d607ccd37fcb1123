import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { foldIn } from '@elbo/prob';
import {
  ActivationLayer,
  Flatten,
  Layer,
  LayerShapeError,
  Linear,
  Reshape,
  Sequential,
  activation,
  flatten,
  lastActivation,
  layerFromConfig,
  linear,
  mlp,
  reshape,
  sequential,
} from '@elbo/nn';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

describe('activation, reshape, flatten', () => {
  it('activation(name) applies the nonlinearity elementwise to any shape, with no weights', async () => {
    const x = tf.tensor3d([
      [
        [-2, -0.5],
        [0, 3],
      ],
    ]);
    for (const [name, f] of [
      ['relu', tf.relu],
      ['sigmoid', tf.sigmoid],
      ['tanh', tf.tanh],
      ['elu', tf.elu],
      ['softplus', tf.softplus],
      ['linear', (t: tf.Tensor) => tf.clone(t)],
    ] as const) {
      const layer = activation(name);
      expect(layer).toBeInstanceOf(ActivationLayer);
      expect(layer.outputShape([2, 2])).toEqual([2, 2]);
      expect(layer.weightSpecs()).toEqual([]);
      const want = f(x);
      const got = await expectNoLeaks(() => layer.apply(x));
      expectClose(got, want.dataSync(), { rtol: 1e-6 });
      tf.dispose([want, got]);
    }
    expect(() => activation('gelu' as never)).toThrow(
      /activation: name must be one of 'linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus', got "gelu"/,
    );
    x.dispose();
  });

  it('reshape and flatten move values between item shapes and keep the batch axis', async () => {
    const x = tf.reshape(tf.range(0, 2 * 12), [2, 12]);
    const toImage = reshape([2, 3, 2]);
    expect(toImage).toBeInstanceOf(Reshape);
    expect(toImage.outputShape([12])).toEqual([2, 3, 2]);
    expect(reshape([-1, 2]).outputShape([3, 4])).toEqual([6, 2]);
    const image = await expectNoLeaks(() => toImage.apply(x));
    expect(image.shape).toEqual([2, 2, 3, 2]);
    const back = flatten().apply(image);
    expect(back.shape).toEqual([2, 12]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(new Flatten().outputShape([28, 28, 1])).toEqual([784]);
    expect(() => toImage.outputShape([10])).toThrow(LayerShapeError);
    expect(() => toImage.outputShape([10])).toThrow('Reshape to [2, 3, 2] cannot take items of shape [10] (10 values)');
    expect(() => reshape([2, -1, -1])).toThrow(/reshape: targetShape must list positive integers \(one may be -1\), got \[2,-1,-1\]/);
    expect(() => reshape([0])).toThrow(/targetShape must list positive integers/);
    tf.dispose([x, image, back]);
  });
});

describe('sequential', () => {
  it('chains layers, is itself a Layer, and names weights after the index of the layer that owns them', async () => {
    const net = sequential([
      linear({ inputDim: 4, outputDim: 6, seed: 1 }),
      activation('tanh'),
      linear({ inputDim: 6, outputDim: 2, seed: 2, bias: false }),
    ]);
    expect(net).toBeInstanceOf(Layer);
    expect(net).toBeInstanceOf(Sequential);
    expect(net.weightSpecs()).toEqual([
      { name: 'layer0/kernel', shape: [4, 6] },
      { name: 'layer0/bias', shape: [6] },
      { name: 'layer2/kernel', shape: [6, 2] },
    ]);
    expect(net.trainableVariables).toHaveLength(3);
    expect([net.inputDim, net.outputDim]).toEqual([4, 2]);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const want = tf.tidy(() => net.layers[2]!.apply(tf.tanh(net.layers[0]!.apply(x))));
    const y = await expectNoLeaks(() => net.apply(x));
    expect(y.shape).toEqual([5, 2]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    const row = tf.reshape(tf.slice(x, [0, 0], [1, 4]), [4]);
    const one = net.apply(row);
    expect(one.shape).toEqual([2]);
    expectClose(one, Array.from(want.dataSync()).slice(0, 2), { rtol: 1e-6 });
    tf.dispose([x, want, y, one, row]);
    net.dispose();
  });

  it('checks when built that the shapes chain, naming the layer index and both shapes, and frees the layers', () => {
    const before = tf.memory().numTensors;
    expect(() => sequential([linear({ inputDim: 4, outputDim: 6 }), linear({ inputDim: 5, outputDim: 2 })])).toThrow(
      'sequential: layer 1 (Linear) cannot take shape [6] from layer 0 (Linear): Linear takes items of shape [5], got [6]',
    );
    expect(() => sequential([linear({ inputDim: 4, outputDim: 6 })], { inputShape: [3] })).toThrow(LayerShapeError);
    expect(() => sequential([flatten(), linear({ inputDim: 10, outputDim: 2 })], { inputShape: [3, 3] })).toThrow(
      'sequential: layer 1 (Linear) cannot take shape [9] from layer 0 (Flatten): Linear takes items of shape [10], got [9]',
    );
    expect(() => sequential([activation('relu')])).toThrow(
      'sequential: options.inputShape is required when the first layer is a Activation (it takes any shape)',
    );
    expect(() => sequential([])).toThrow(/layers must be a non-empty array/);
    expect(() => sequential([linear({ inputDim: 2, outputDim: 2 }), {} as never])).toThrow('sequential: layers[1] is not a layer');
    expect(() => sequential([flatten()], { inputShap: [2] } as never)).toThrow(
      'sequential: unknown option "inputShap"; did you mean "inputShape"?',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes images in and out (no rank-2 assumption outside Linear)', async () => {
    const net = sequential([flatten(), linear({ inputDim: 12, outputDim: 12, seed: 4, activation: 'relu' }), reshape([2, 3, 2])], {
      inputShape: [3, 2, 2],
    });
    expect(net.outputShape([3, 2, 2])).toEqual([2, 3, 2]);
    expect(() => net.outputDim).toThrow('Sequential.outputDim: the output items have shape [2, 3, 2], not a vector');
    const x = tf.ones([4, 3, 2, 2]);
    const y = await expectNoLeaks(() => net.apply(x));
    expect(y.shape).toEqual([4, 2, 3, 2]);
    expect(() => net.apply(tf.ones([4, 12]))).toThrow(
      'Sequential.apply: x of shape [4, 12] does not fit: Sequential built for items of shape [3, 2, 2] got [12]',
    );
    tf.dispose([x, y]);
    net.dispose();
  });

  it('rebuilds from its config through the registry, nested stacks included', () => {
    const inner = sequential([linear({ inputDim: 3, outputDim: 3, seed: 9, activation: 'elu' }), activation('sigmoid')]);
    const net = sequential([inner, flatten(), linear({ inputDim: 3, outputDim: 1, seed: 8 })]);
    expect(net.weightSpecs().map((s) => s.name)).toEqual(['layer0/layer0/kernel', 'layer0/layer0/bias', 'layer2/kernel', 'layer2/bias']);
    const config = JSON.parse(JSON.stringify(net.getConfig()));
    expect(config.kind).toBe('Sequential');
    const twin = layerFromConfig(config) as Sequential;
    expect(twin.getConfig()).toEqual(net.getConfig());
    const [a, b] = [net, twin].map((m) => m.apply([[1, 2, 3]]));
    expect(Array.from(a!.dataSync())).toEqual(Array.from(b!.dataSync()));
    expect(lastActivation(net)).toBe('linear');
    expect(lastActivation(inner)).toBe('sigmoid');
    tf.dispose([a!, b!]);
    [net, twin].forEach((m) => m.dispose());
  });
});

describe('mlp', () => {
  it('is a Sequential of Linear layers with fused activations, seeded per layer with foldIn(seed, i)', () => {
    const net = mlp([4, 8, 3], { activation: 'tanh', outputActivation: 'sigmoid', seed: 5 });
    expect(net).toBeInstanceOf(Sequential);
    expect(net.layers.every((l) => l instanceof Linear)).toBe(true);
    expect(net.weightSpecs().map((s) => s.name)).toEqual(['layer0/kernel', 'layer0/bias', 'layer1/kernel', 'layer1/bias']);
    const layers = net.layers as Linear[];
    expect(layers.map((l) => l.activation)).toEqual(['tanh', 'sigmoid']);
    expect(layers.map((l) => l.getConfig().seed)).toEqual([foldIn(5, 0), foldIn(5, 1)]);
    const alone = linear({ inputDim: 8, outputDim: 3, seed: foldIn(5, 1) });
    expect(alone.toJSON().weights).toEqual(layers[1]!.toJSON().weights);
    expect([net.inputDim, net.outputDim]).toEqual([4, 3]);
    expect(lastActivation(net)).toBe('sigmoid');
    [net, alone].forEach((m) => m.dispose());
  });

  it('computes act(x W1 + b1) W2 + b2 as written out', () => {
    const net = mlp([3, 4, 2], { seed: 2 });
    const [l0, l1] = net.layers as Linear[];
    const x = tf.tensor2d([[0.5, -1, 2]]);
    const want = tf.tidy(() => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, l0!.kernel), l0!.bias!)), l1!.kernel), l1!.bias!));
    const y = net.apply(x);
    expectClose(y, want.dataSync(), { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([x, want, y]);
    net.dispose();
  });

  it('trains: gradients reach every variable of the stack and match those of the layers applied by hand', () => {
    const net = mlp([3, 5, 2], { seed: 4, activation: 'tanh' });
    const [l0, l1] = net.layers as Linear[];
    const x = tf.randomNormal([7, 3], 0, 1, 'float32', 1);
    const byStack = tf.variableGrads(() => tf.sum(tf.square(net.apply(x))) as tf.Scalar, net.trainableVariables);
    const byHand = tf.variableGrads(
      () => tf.sum(tf.square(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, l0!.kernel), l0!.bias!)), l1!.kernel), l1!.bias!))) as tf.Scalar,
      net.trainableVariables,
    );
    expect(Object.keys(byStack.grads)).toHaveLength(4);
    for (const v of net.trainableVariables) {
      expect(tf.tidy(() => tf.sum(tf.abs(byStack.grads[v.name]!)).dataSync()[0])).toBeGreaterThan(0);
      expectClose(byStack.grads[v.name]!, byHand.grads[v.name]!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    }
    tf.dispose([x, byStack.value, byHand.value, ...Object.values(byStack.grads), ...Object.values(byHand.grads)]);
    net.dispose();
  });

  it('checks every option up front, naming it, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => mlp([4])).toThrow('mlp: sizes must list at least 2 widths (input and output), got [4]');
    expect(() => mlp([4, 0, 2])).toThrow('mlp: sizes must be positive integers, got 0 at index 1');
    expect(() => mlp([4, 2], { activation: 'gelu' as never })).toThrow(/mlp: activation must be one of/);
    expect(() => mlp([4, 2], { outputActivation: 'soft' as never })).toThrow(/mlp: outputActivation must be one of/);
    expect(() => mlp([4, 2], { seed: Infinity })).toThrow('mlp: seed must be a finite number, got Infinity');
    expect(() => mlp([4, 2], { init: 'he' as never })).toThrow(/mlp: init must be/);
    expect(() => mlp([4, 2], { bias: 'yes' as never })).toThrow('mlp: bias must be a boolean, got yes');
    expect(() => mlp([4, 2], { outputActivaton: 'linear' } as never)).toThrow(
      'mlp: unknown option "outputActivaton"; did you mean "outputActivation"?',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
