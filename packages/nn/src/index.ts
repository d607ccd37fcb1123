// @elbo/nn: layers as values, one registry of layer kinds, and one save/load/export path for any stack.
export { Layer, LayerShapeError } from './layer';
export type { LayerConfig, WeightSpec } from './layer';
export { registerLayer, layerFromConfig, registeredLayerKinds } from './registry';
export type { LayerKind } from './registry';
export { ACTIVATIONS } from './activations';
export type { ActivationName } from './activations';
export { Linear, linear } from './linear';
export type { LinearOptions, LinearConfig, LinearInit, LinearWeights } from './linear';
export { checkKnownKeys } from './check-keys';
