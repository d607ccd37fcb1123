import { packageBuild } from '../../tooling/tsup.shared';

export default packageBuild();
