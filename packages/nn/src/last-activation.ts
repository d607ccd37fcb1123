import { ActivationLayer } from './activation-layer';
import type { ActivationName } from './activations';
import { ConvTranspose2d } from './conv-transpose2d';
import { Conv2d } from './conv2d';
import type { Layer } from './layer';
import { Linear } from './linear';
import { Flatten, Reshape } from './reshape';
import { Sequential } from './sequential';

/**
 * The nonlinearity a layer applies last, looking through the layers that do
 * not change values (reshape, flatten): `'linear'` for a stack that ends in a
 * plain Linear layer (or a convolution; its outputs are logits), `null` when it cannot tell (a
 * kind it does not know, or a stack of shape-only layers).
 * @example
 * ```ts
 * lastActivation(mlp([20, 784], { outputActivation: 'sigmoid' })); // 'sigmoid'
 * ```
 */
export function lastActivation(layer: Layer): ActivationName | null {
  if (layer instanceof Linear || layer instanceof ActivationLayer || layer instanceof Conv2d || layer instanceof ConvTranspose2d)
    return layer.activation;
  if (layer instanceof Sequential) {
    for (let i = layer.layers.length - 1; i >= 0; i--) {
      const l = layer.layers[i]!;
      if (l instanceof Reshape || l instanceof Flatten) continue;
      return lastActivation(l);
    }
  }
  return null;
}
