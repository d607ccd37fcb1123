// The Linear layer lives in @elbo/nn (layers as values); re-exported so imports from @elbo/linear keep working.
export { Linear } from '@elbo/nn';
export type { LinearConfig, LinearInit, LinearOptions, LinearWeights } from '@elbo/nn';
export { eigh } from './eigh';
export type { EighOptions, EighResult } from './eigh';
export { svd } from './svd';
export type { SvdResult } from './svd';
export type { MatrixLike } from './dense';
export { PCA } from './pca';
export type { PcaJSON, PcaOptions, PcaSolver } from './pca';
export { orthonormalityError, principalAngles } from './principal-angles';
export type { PrincipalAnglesOptions } from './principal-angles';
export { IncrementalPCA } from './incremental-pca';
export type { IncrementalPcaOptions } from './incremental-pca';
export { ProbabilisticPCA } from './probabilistic-pca';
export { LinearAutoencoder } from './linear-autoencoder';
export type { LinearAutoencoderConfig, LinearAutoencoderFitOptions } from './linear-autoencoder';
export { principalDirectionsFromAutoencoder } from './principal-directions';
export type { AutoencoderDirections } from './principal-directions';
