import { packageTest } from '../../tooling/vitest.shared.ts';

// The tests run the built CLI as a child process, which selects its own backend; one project is enough.
export default packageTest({ backends: ['wasm'], selectBackend: false, testTimeout: 120_000 });
