// Assembles the kernels' WebAssembly text (src/kernels/*.wat) into the bytes
// the generated modules (src/kernels/*.wasm.ts) hold, with wabt, the
// WebAssembly Binary Toolkit compiled to wasm. Used by `generate` (which
// writes the modules) and by the test that checks they are up to date.
//
// Variants: a line ending in `;; @if FLAG` is kept only in the variants with
// FLAG, one ending in `;; @if !FLAG` only in those without. Every flag a file
// names doubles its variants. `shared` (the memory is a SharedArrayBuffer, as
// in threaded builds of tfjs' wasm backend) also turns on wabt's threads
// feature, `relaxed` its relaxed SIMD.
//
// Lanes: a kernel that works on several vectors at once in lockstep (so the
// core overlaps their latency) writes each step once. A line with `;; @each`
// after its code is written out once per lane named by the last
// `;; @lanes a b ...` line above it, on the same line (so wabt's line numbers
// hold), with `<lane>` replaced by the lane's name and `<offset>` by 16 times
// its index (the byte offset of its vector).
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import wabtInit from 'wabt';

export const KERNELS_DIR = join(import.meta.dirname, '..', 'src', 'kernels');

const CONDITION = /;;\s*@if\s+(!?)([a-z]+)\s*$/;

/** The flags a .wat file's `@if` lines name, sorted. */
export function flagsOf(text) {
  const flags = new Set();
  for (const line of text.split('\n')) {
    const match = CONDITION.exec(line);
    if (match) flags.add(match[2]);
  }
  return [...flags].sort();
}

/** Every subset of `flags`, as sorted arrays: [], [a], [b], [a, b], ... */
export function variantsOf(flags) {
  return flags.reduce((subsets, flag) => [...subsets, ...subsets.map((s) => [...s, flag])], [[]]);
}

/** The name a variant goes by in a generated module: its flags joined by '+', or 'base'. */
export function variantKey(flags) {
  return flags.length === 0 ? 'base' : [...flags].sort().join('+');
}

/** The text of one variant: `@if` lines kept or dropped (dropped lines become blank, so line numbers hold). */
export function selectVariant(text, flags) {
  return text
    .split('\n')
    .map((line) => {
      const match = CONDITION.exec(line);
      if (!match) return line;
      const wanted = flags.includes(match[2]) !== (match[1] === '!');
      return wanted ? line : '';
    })
    .join('\n');
}

const LANES = /;;\s*@lanes((?:\s+[a-z0-9_]+)+)\s*$/;
const EACH = /;;\s*@each\b/;

/** The text with every `;; @each` line written out per lane (see above); an `@each` before any `@lanes` is an error. */
export function expandLanes(text, fileName = 'kernel') {
  let lanes = null;
  return text
    .split('\n')
    .map((line, index) => {
      const declared = LANES.exec(line);
      if (declared) lanes = declared[1].trim().split(/\s+/);
      const each = EACH.exec(line);
      if (!each) return line;
      if (lanes == null) throw new Error(`${fileName}:${index + 1}: @each before any @lanes line`);
      const code = line.slice(0, each.index).trimEnd();
      const indent = /^\s*/.exec(code)[0];
      return (
        indent +
        lanes
          .map((lane, i) =>
            code
              .trim()
              .replaceAll('<lane>', lane)
              .replaceAll('<offset>', String(16 * i)),
          )
          .join(' ')
      );
    })
    .join('\n');
}

let wabtPromise;

/** The bytes of one variant of a .wat file; throws wabt's message, with the file name, on an error. */
export async function assemble(fileName, text, flags) {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  const features = { simd: true, threads: flags.includes('shared'), relaxed_simd: flags.includes('relaxed') };
  const module = wabt.parseWat(`${fileName} [${variantKey(flags)}]`, expandLanes(selectVariant(text, flags), fileName), features);
  try {
    module.resolveNames();
    module.validate(features);
    return Uint8Array.from(module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The one function a kernel module exports, by name. */
export function exportName(fileName, text) {
  const names = [...text.matchAll(/\(export\s+"([A-Za-z0-9_]+)"/g)].map((m) => m[1]);
  if (names.length !== 1) throw new Error(`${fileName}: a kernel module exports one function, found ${names.length} (${names.join(', ')})`);
  return names[0];
}

/** `row-sums.wat` -> `rowSumsWasm`. */
export function constName(fileName) {
  return `${basename(fileName, '.wat').replace(/-([a-z])/g, (_, c) => c.toUpperCase())}Wasm`;
}

/** The .wat files, sorted. */
export function watFiles(dir = KERNELS_DIR) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wat'))
    .sort();
}

/** Every variant of one .wat file: { name, exportName, flags, variants: { key: bytes } }. */
export async function assembleFile(fileName, dir = KERNELS_DIR) {
  const text = readFileSync(join(dir, fileName), 'utf8');
  const flags = flagsOf(text);
  const variants = {};
  for (const subset of variantsOf(flags)) variants[variantKey(subset)] = await assemble(fileName, text, subset);
  return { name: constName(fileName), exportName: exportName(fileName, text), flags, variants };
}

const base64 = (bytes) => Buffer.from(bytes).toString('base64');

/** The TypeScript module generated from one .wat file. */
export async function generatedSource(fileName, dir = KERNELS_DIR) {
  const { name, exportName: fn, flags, variants } = await assembleFile(fileName, dir);
  const lines = Object.entries(variants).map(([key, bytes]) => `    '${key}': '${base64(bytes)}',`);
  return [
    `// Generated from ${fileName} by \`pnpm --filter @elbo/backend-common generate\` (wabt): do not edit.`,
    `import type { KernelModule } from '../kernel-module';`,
    ``,
    `export const ${name}: KernelModule = {`,
    `  source: '${fileName}',`,
    `  exportName: '${fn}',`,
    `  flags: [${flags.map((f) => `'${f}'`).join(', ')}],`,
    `  variants: {`,
    ...lines,
    `  },`,
    `};`,
    ``,
  ].join('\n');
}
