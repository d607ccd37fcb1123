import { packageTest } from '../../tooling/vitest.shared.ts';

// Most tests run the built CLI as a child process, which selects its own backend; the few in-process
// tensor tests run on wasm, the backend the CLI picks without tfjs-node. One project is enough.
export default packageTest({ backends: ['wasm'], testTimeout: 120_000 });
