import { packageBuild } from '../../tooling/tsup.shared.ts';

// @elbo/backend-common is private, never published: bundled in, so it is no runtime dependency.
export default packageBuild({ noExternal: ['@elbo/backend-common'] });
