import { packageTest } from '../../tooling/vitest.shared.ts';

// These tests exercise backend selection itself, so no backend is chosen for them.
export default packageTest({ backends: ['node'], selectBackend: false });
