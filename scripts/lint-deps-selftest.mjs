// Checks the dependency rules themselves (.dependency-cruiser.cjs): on a small fixture monorepo
// that keeps every rule, the cruise finds nothing; with one breach of each rule added, it finds
// exactly those breaches. Run by `pnpm lint`; about two seconds.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** A tree that keeps the rules: each floor imports only floors below it; tests reach wider. */
const clean = {
  'packages/prob/src/index.ts': `export const p = 1;\n`,
  'packages/nn/src/index.ts': `import { p } from '@elbo/prob';\nexport const n = p;\n`,
  'packages/linear/src/index.ts': `import { p } from '@elbo/prob';\nimport { n } from '@elbo/nn';\nexport const l = p + n;\n`,
  'packages/autoencoder/src/index.ts': `import { n } from '@elbo/nn';\nimport { l } from '@elbo/linear';\nexport const a = n + l;\n`,
  'packages/vae/src/index.ts': `import { l } from '@elbo/linear';\nimport type { B } from './b';\nexport const v: B = l;\n`,
  // A type-only cycle (index -> b is type-only) is no cycle at run time.
  'packages/vae/src/b.ts': `import { v } from './index';\nexport type B = number;\nexport const b = () => v;\n`,
  'packages/vae/src/node.ts': `export { v } from './index';\n`,
  'packages/vae/src/b.test.ts': `import { a } from '@elbo/autoencoder';\nimport { d } from '@elbo/datasets';\nimport { select } from '@elbo/backend-node';\nexport const t = [a, d, select];\n`,
  'packages/datasets/src/index.ts': `import { p } from '@elbo/prob';\nexport const d = p;\n`,
  'internal/backend-common/kernels.ts': `export const k = 1;\n`,
  'packages/backend-node/src/index.ts': `import { k } from '../../../internal/backend-common/kernels';\nexport const select = k;\n`,
  'examples/app/src/main.ts': `import { v } from '@elbo/vae/node';\nimport { select } from '@elbo/backend-node';\nexport const m = [v, select];\n`,
};

/** One breach of each rule, and the violations (rule name, from) the cruise must report for them. */
const breaches = {
  'packages/prob/src/up.ts': [`import { n } from '@elbo/nn';\nexport const u = n;\n`, 'layers-prob'],
  'packages/nn/src/up.ts': [`import { l } from '@elbo/linear';\nexport const u = l;\n`, 'layers-nn'],
  'packages/vae/src/sibling.ts': [`import { a } from '@elbo/autoencoder';\nexport const s = a;\n`, 'layers-vae'],
  'packages/autoencoder/src/sibling.ts': [`import type { v } from '@elbo/vae';\nexport type S = typeof v;\n`, 'layers-autoencoder'],
  'packages/datasets/src/up.ts': [`import { l } from '@elbo/linear';\nexport const u = l;\n`, 'layers-datasets'],
  'packages/vae/src/worker.ts': [`export const w = () => import('@elbo/backend-node');\n`, 'models-not-backends'],
  'packages/linear/src/kernels.ts': [
    `import { k } from '../../../internal/backend-common/kernels';\nexport const q = k;\n`,
    'models-not-backends',
  ],
  'packages/backend-node/src/uses-prob.ts': [`import { p } from '@elbo/prob';\nexport const q = p;\n`, 'backends-not-models'],
  'packages/linear/src/c1.ts': [`import { c2 } from './c2';\nexport const c1 = () => c2;\n`, 'no-circular'],
  // The cycle is reported once, at the first module of it.
  'packages/linear/src/c2.ts': [`import { c1 } from './c1';\nexport const c2 = () => c1;\n`, null],
};

function cruise(files) {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-deps-'));
  try {
    for (const name of ['.dependency-cruiser.cjs', 'tsconfig.depcruise.json', 'tsconfig.base.json'])
      copyFileSync(join(root, name), join(dir, name));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = spawnSync(
      process.execPath,
      [depcruise, 'packages', 'internal', 'examples', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      {
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    if (run.stdout.trim() === '') throw new Error(`dependency-cruiser gave no report: ${run.stderr}`);
    const { summary, modules } = JSON.parse(run.stdout);
    const edges = modules.flatMap((m) => m.dependencies.map((d) => d.resolved)).filter((to) => /^(packages|internal)\//.test(to)).length;
    return { edges, found: summary.violations.map((v) => `${v.rule.name} ${v.from}`).sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let failed = false;
const check = (what, got, want) => {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  if (!ok) {
    failed = true;
    console.log(`FAIL ${what}\n  want: ${JSON.stringify(want)}\n  got:  ${JSON.stringify(got)}`);
  }
};

const good = cruise(clean);
check('a tree that keeps the rules has no violations', good.found, []);
check('each of the 16 imports of the clean tree resolves to a file of the tree (workspace names to sources)', good.edges, 16);
const bad = cruise({ ...clean, ...Object.fromEntries(Object.entries(breaches).map(([path, [text]]) => [path, text])) });
check(
  'one violation per breach, and no other',
  bad.found,
  Object.entries(breaches)
    .filter(([, [, rule]]) => rule != null)
    .map(([path, [, rule]]) => `${rule} ${path}`)
    .sort(),
);
console.log(`${failed ? 'FAIL' : 'ok  '} dependency rules self-test (${good.edges} edges clean, ${bad.found.length} breaches found)`);
process.exit(failed ? 1 : 0);
