import { packageBuild } from '../../tooling/tsup.shared.ts';

export default packageBuild({
  // tfjs-core ships its gradient and chained-op registrations as ESM that Node cannot load;
  // inline them (they write into tfjs-core's global registry).
  noExternal: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops)/],
  shims: true,
  platform: 'node',
});
