import { packageBuild } from '../../tooling/tsup.shared';

export default packageBuild({ entry: ['src/index.ts','src/node.ts'] });
