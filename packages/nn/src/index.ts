// @elbo/nn: layers as values, one registry of layer kinds, and one save/load/export path for any stack.
export { Layer, LayerShapeError } from './layer';
export type { LayerConfig, WeightSpec } from './layer';
export { registerLayer, layerFromConfig, registeredLayerKinds } from './registry';
export type { LayerKind } from './registry';
export { ACTIVATIONS } from './activations';
export type { ActivationName } from './activations';
export { Linear, linear } from './linear';
export type { LinearOptions, LinearConfig, LinearInit, LinearWeights } from './linear';
export { ActivationLayer, activation } from './activation-layer';
export { Reshape, Flatten, reshape, flatten } from './reshape';
export { Sequential, sequential } from './sequential';
export type { SequentialOptions, SequentialConfig } from './sequential';
export { mlp, mlpConfigToSequential, isMlpConfig } from './mlp';
export type { MlpOptions, MlpConfig } from './mlp';
export { lastActivation } from './last-activation';
export { ioHandler } from './io-handler';
export {
  RECORD_FORMAT_VERSION,
  saveModelRecord,
  loadModelRecord,
  pickWeights,
  prefixWeights,
  saveLayers,
  loadLayers,
} from './record';
export type { ModelRecord, LayersRecord, LoadedLayers, LoadLayersOptions } from './record';
export { toLayersArtifacts, exportLayersModel, importLayersModel } from './layers-model';
export { EncoderDecoderModel } from './encoder-decoder';
export type { EncoderDecoderParts, LayersExportUrls } from './encoder-decoder';
