import { packageTest } from '../../tooling/vitest.shared.ts';

// The report picks its own backend (as `pnpm demo` does); one project is enough.
export default packageTest({ backends: ['wasm'], selectBackend: false, testTimeout: 90_000 });
