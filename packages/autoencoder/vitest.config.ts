import { packageTest } from '../../tooling/vitest.shared';

export default packageTest();
