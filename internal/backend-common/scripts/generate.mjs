// `pnpm --filter @elbo/backend-common generate`: assembles every
// src/kernels/*.wat into the src/kernels/*.wasm.ts module beside it. The
// generated modules are committed; src/kernels/generated.test.ts fails when
// one no longer matches its .wat.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNELS_DIR, generatedSource, watFiles } from './wat.mjs';

for (const file of watFiles()) {
  const out = join(KERNELS_DIR, file.replace(/\.wat$/, '.wasm.ts'));
  writeFileSync(out, await generatedSource(file));
  console.log(`${file} -> ${out}`);
}
