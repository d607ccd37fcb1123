export { Linear } from './linear';
export type { LinearConfig, LinearInit, LinearWeights } from './linear';
export { eigh } from './eigh';
export type { EighOptions, EighResult } from './eigh';
export { svd } from './svd';
export type { SvdResult } from './svd';
export type { MatrixLike } from './dense';
