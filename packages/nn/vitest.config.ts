import { packageTest } from '../../tooling/vitest.shared.ts';

export default packageTest();
