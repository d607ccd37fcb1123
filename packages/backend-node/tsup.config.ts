import { packageBuild } from '../../tooling/tsup.shared.ts';

export default packageBuild({
  noExternal: [
    // tfjs-core ships its gradient and chained-op registrations as ESM that Node cannot load;
    // inline them (they write into tfjs-core's global registry).
    /@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops)/,
    // Private, never published: bundled in, so it is no runtime dependency.
    '@elbo/backend-common',
  ],
  shims: true,
  platform: 'node',
});
