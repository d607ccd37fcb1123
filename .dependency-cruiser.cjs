// The dependency rules of DESIGN.md ("The next road"), checked by `pnpm lint:deps` (and `pnpm lint`).
// Workspace names resolve to their sources through tsconfig.depcruise.json, so an import of
// `@elbo/autoencoder` is an edge to packages/autoencoder/src/index.ts and the rules below speak of folders.

/**
 * The model floors and what each may import, lowest first. Everything else among the model
 * packages is forbidden to it: a floor above it, or a sibling. A new model package is one line.
 */
const floors = {
  prob: [],
  nn: ['prob'],
  linear: ['prob', 'nn'],
  autoencoder: ['prob', 'nn', 'linear'],
  vae: ['prob', 'nn', 'linear'],
  datasets: ['prob'],
};
const models = Object.keys(floors);
const modelFolder = `^packages/(${models.join('|')})/`;
const backendFolder = '^(packages/backend-[^/]+|internal/backend-common)/';

// Tests, fixtures and benchmarks may reach wider (a VAE test builds its parts with the
// autoencoder's mlp(), loads MNIST and selects a backend); the rules hold for what is published.
const notShipped = ['[.](test|fixture|bench)[.][cm]?[jt]s$', '/(test|tests|bench|__tests__)/'];

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = models.map((name) => {
  const forbidden = models.filter((other) => other !== name && !floors[name].includes(other));
  return {
    name: `layers-${name}`,
    comment: `@elbo/${name} may import only ${floors[name].length > 0 ? floors[name].map((n) => `@elbo/${n}`).join(', ') : 'no other model package'}: not a package above it, not a sibling.`,
    severity: 'error',
    from: { path: `^packages/${name}/src/`, pathNot: notShipped },
    to: { path: `^packages/(${forbidden.join('|')})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle (type-only imports excluded: they vanish at run time). Break it by moving the shared part into a module both import.',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layerRules,
    {
      name: 'models-not-backends',
      comment: 'A model package never imports a backend: the application picks the backend (and hands a worker its set-up).',
      severity: 'error',
      from: { path: modelFolder, pathNot: notShipped },
      to: { path: backendFolder },
    },
    {
      name: 'backends-not-models',
      comment: 'A backend never imports a model package: backends sit beside the models, below the applications.',
      severity: 'error',
      from: { path: backendFolder },
      to: { path: modelFolder },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: '@elbo/cli is an application at the top: it imports the models, the datasets and a backend; no package imports it.',
      severity: 'error',
      from: { path: '^(packages|internal)/', pathNot: '^packages/cli/' },
      to: { path: '^packages/cli/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing: a typo, or a workspace package missing from tsconfig.depcruise.json.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|out|node_modules|coverage|[.]turbo)/' },
    // Type-only imports are edges too (a type from a package above is still a dependency on it).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    cache: false,
  },
};
