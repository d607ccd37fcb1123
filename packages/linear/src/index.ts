export { Linear } from './linear';
export type { LinearConfig, LinearInit, LinearWeights } from './linear';
