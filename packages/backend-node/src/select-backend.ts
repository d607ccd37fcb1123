import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { dirname, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's published Node bundle registers no gradient functions, so
// `tf.grad` and every optimizer throw "gradient function not found for Add".
// Its `register_all_gradients` module is ESM with extensionless imports that
// Node cannot load, so the build inlines it (tsup `noExternal`), as
// @tensorflow/tfjs-layers does; the inlined copy writes into tfjs-core's
// global gradient registry, shared by every copy of the library. The same
// holds for the chained ops (`x.square()`, `x.slice()`), which users of the
// full @tensorflow/tfjs bundle take for granted.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import {
  checkMatMulGradient,
  guardWasmAllocations,
  installWasmKernels,
  installWasmSimdMatMul,
  registerAdamKernels,
  registerFusedMatMulGradient,
  setThreadHelpers,
  show,
} from '@elbo/backend-common';
import { NODE_BACKENDS, parseBackendNames, type NodeBackendName } from './backend-names';
import { registerFileSystemRouter } from './file-system-io';
import { startKernelThreads, type KernelThreads } from './kernel-threads';

export interface SelectBackendOptions {
  /** Backends to try, in order. Default: the `ELBO_BACKEND` environment variable (comma-separated), else `tensorflow, wasm, cpu`. */
  prefer?: readonly NodeBackendName[];
  /** After the preferred backends fail, go on with the rest of the default order. Default true. */
  fallback?: boolean;
  /** Print each attempt and the choice to the console. Default false. */
  verbose?: boolean;
  /**
   * Let elbo's wasm kernels use relaxed SIMD (fused multiply-add; about 1.4x
   * on matMul) on Node 20, where V8 keeps it behind
   * `--experimental-wasm-relaxed-simd`: sets that V8 flag at run time, for
   * the whole process, before elbo compiles its kernels. On by default since
   * it is safe: the flag only lets wasm modules validate with the relaxed
   * instructions (a module without them compiles as before), V8 reads it when
   * a module compiles, it is the feature Node >= 22 and Chromium ship on, and
   * elbo's kernels fall back to plain SIMD where a module with it still does
   * not validate (the selection's `reason` says which run). `false` (or
   * `ELBO_WASM_RELAXED_SIMD=0`) leaves V8's flags alone: plain SIMD on Node
   * 20; Node >= 22 has relaxed SIMD on by itself. Default: the
   * `ELBO_WASM_RELAXED_SIMD` environment variable (`1` or `0`), else true.
   */
  relaxedSimd?: boolean;
  /**
   * `'elbo'` (default): elbo's kernels and gradients where they are faster
   * (fused Adam on wasm and cpu; on wasm the SIMD matMul, the transposing
   * matMul gradient, the SIMD softplus, sum and transpose, the buffer-sharing Identity, the block-copying gather, the convolutions and the Conv2DBackpropFilter tfjs' wasm lacks). `'stock'`: tfjs' own
   * only, to compare against or to rule elbo's kernels out when debugging.
   * Decided by the first call in a process. Default: the `ELBO_WASM_KERNELS`
   * environment variable, else `'elbo'`.
   */
  kernels?: 'elbo' | 'stock';
  /**
   * Threads that share elbo's large wasm kernel runs (this one and
   * `threads - 1` worker threads): products of at least 4 M multiply-adds
   * and Bernoulli log-likelihoods of at least 1 M values are split by rows.
   * tfjs' wasm runs on one thread in Node, so this is how wasm uses more
   * cores there. The workers are unref'd (they never keep a process alive)
   * and spin for 0.2 ms after a run before sleeping. 1 turns them off.
   * Decided by the first call that starts the wasm backend with elbo's
   * kernels. Default: the `ELBO_WASM_THREADS` environment variable, else
   * the CPU cores up to 4 on the main thread, and 1 in a worker thread
   * (which usually shares the cores already, like `workerThreads`'
   * replicas).
   */
  threads?: number;
}

export interface BackendAttempt {
  name: NodeBackendName;
  ok: boolean;
  /** Why this backend was not used. */
  error?: string;
}

export interface BackendSelection {
  /** The backend every tfjs op now runs on. */
  name: NodeBackendName;
  /** One sentence on why this backend was chosen. */
  reason: string;
  /** Every backend tried, in order, with the reason each failed. */
  tried: BackendAttempt[];
}

const require = createRequire(import.meta.url);
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/**
 * Chooses the fastest TensorFlow.js backend that works here, makes it the
 * active one and says which and why. A candidate counts only when
 * `tf.setBackend` succeeds, `tf.getBackend()` agrees and a small matMul with
 * its gradient gives the right numbers.
 *
 * A repeated call with the same candidates returns the first answer without
 * redoing the work.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@elbo/backend-node';
 * const { name, reason } = await selectBackend();
 * console.log(`running on ${name}: ${reason}`);
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  // Every option is checked before anything changes (V8 flags, the kernel choice, the backend).
  if (options == null || typeof options !== 'object') {
    throw new Error(`selectBackend options must be an object, got ${show(options)}`);
  }
  for (const name of ['fallback', 'verbose', 'relaxedSimd'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new Error(`selectBackend option "${name}" must be true or false, got ${show(value)}`);
    }
  }
  const kernels = options.kernels ?? (process.env.ELBO_WASM_KERNELS as 'elbo' | 'stock' | undefined) ?? 'elbo';
  if (kernels !== 'elbo' && kernels !== 'stock')
    throw new Error(`selectBackend option "kernels" (or ELBO_WASM_KERNELS) must be 'elbo' or 'stock', got ${String(kernels)}`);
  const threads = options.threads ?? threadsFromEnvironment();
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)
    throw new Error(
      `selectBackend option "threads" (or ELBO_WASM_THREADS) must be an integer from 1 to ${MAX_THREADS}, got ${show(threads)}`,
    );
  const candidates = resolveCandidates(options);
  if (options.relaxedSimd ?? relaxedSimdFromEnvironment()) enableRelaxedSimd();
  kernelChoice ??= kernels;
  threadsChoice ??= threads;
  const key = candidates.join(',');
  const cached = selections.get(key);
  if (cached != null && tf.getBackend() === (await cached).name) return cached;
  const selection = trySelect(candidates, options.verbose ?? false);
  selections.set(key, selection);
  selection.catch(() => selections.delete(key));
  return selection;
}

const selections = new Map<string, Promise<BackendSelection>>();

function resolveCandidates({ prefer, fallback = true }: SelectBackendOptions): NodeBackendName[] {
  const fromEnv = process.env.ELBO_BACKEND?.trim();
  let preferred: NodeBackendName[];
  if (prefer != null) {
    preferred = parseBackendNames(prefer, 'selectBackend option "prefer"');
  } else if (fromEnv) {
    preferred = parseBackendNames(
      fromEnv.split(',').map((s) => s.trim()),
      'environment variable ELBO_BACKEND',
    );
  } else {
    preferred = [...NODE_BACKENDS];
  }
  const rest = fallback ? NODE_BACKENDS.filter((name) => !preferred.includes(name)) : [];
  const all = [...new Set([...preferred, ...rest])];
  if (all.length === 0) throw new Error('selectBackend option "prefer" is empty and fallback is false: nothing to try');
  return all;
}

async function trySelect(candidates: NodeBackendName[], verbose: boolean): Promise<BackendSelection> {
  // tfjs' "looks like you are running TensorFlow.js in Node.js" banner; the
  // choice and its reason are what we report instead.
  if (!verbose) tf.env().set('PROD', true);
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const detail = await activate(name);
      tried.push({ name, ok: true });
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name} (${t.error})`);
      const reason = `${detail}${skipped.length > 0 ? `; not used: ${skipped.join('; ')}` : ''}`;
      registerFileSystemRouter();
      const selection = { name, reason, tried };
      if (verbose) console.log(`[elbo] backend ${name}: ${reason}`);
      return selection;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      tried.push({ name, ok: false, error: message });
      if (verbose) console.log(`[elbo] backend ${name} not used: ${message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be started; tried ${tried.map((t) => `${t.name} (${t.error})`).join('; ')}`);
}

/** Loads, initializes and checks one backend; returns why it is a good choice or throws why not. */
async function activate(name: NodeBackendName): Promise<string> {
  let detail: string;
  switch (name) {
    case 'tensorflow':
      detail = await loadTensorflow();
      break;
    case 'wasm':
      detail = await loadWasm();
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      detail = 'plain JavaScript, works everywhere (slowest)';
      break;
  }
  // Check setBackend's answer before `ready()`: after a failure, `ready()`
  // quietly initializes whichever backend ranks highest. And after a failed
  // setBackend, getBackend() may still name the failed one.
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tf.getBackend() answers "${tf.getBackend()}" after setBackend('${name}')`);
  // An allocation past the wasm heap's 4 GiB is an error, not a broken backend (also with stock kernels).
  if (name === 'wasm') guardWasmAllocations(tf.backend());
  if (kernelChoice === 'stock') {
    detail += "; tfjs' own kernels only (kernels: 'stock')";
  } else {
    registerAdamKernels();
    // tfjs' wasm runs on one thread in Node, so elbo's matMul takes the products, shared with worker threads.
    if (name === 'wasm') detail += `; ${installWasmKernels({ ownMatMul: true })}${startHelperThreads()}`;
  }
  // tfjs registers no gradient for the _FusedMatMul kernel (tf.fused.matMul carries its own); elbo's
  // serves every backend, also with 'stock' kernels, since it replaces nothing of tfjs'.
  registerFusedMatMulGradient();
  await checkMatMulGradient();
  return detail;
}

async function loadTensorflow(): Promise<string> {
  const problems: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      // Any error counts, not only "module not found": a package installed
      // without its native addon throws from inside its own require.
      await import(/* @vite-ignore */ pkg);
      return `native TensorFlow through ${pkg} (fastest on CPU and GPU)`;
    } catch (error) {
      problems.push(`${pkg} ${describeImportFailure(pkg, error)}`);
    }
  }
  throw new Error(
    `native TensorFlow is not available: ${problems.join(', ')}; where the network allows its download, install @tensorflow/tfjs-node and let its install script run (${INSTALL_SCRIPT_HINT})`,
  );
}

/**
 * How each package manager lets @tensorflow/tfjs-node's install script (which downloads libtensorflow) run.
 * Exported for the test that checks each one is named.
 */
export const INSTALL_SCRIPT_HINT =
  'npm runs it unless --ignore-scripts is set; pnpm: pnpm approve-builds, or allowBuilds in pnpm-workspace.yaml; ' +
  'yarn 2+: dependenciesMeta["@tensorflow/tfjs-node"].built = true in package.json; bun: add it to trustedDependencies';

function describeImportFailure(pkg: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg)) return 'is not installed';
  if (message.includes('tfjs_binding.node')) return 'is installed without its native addon';
  return `failed to load (${message.split('\n')[0]})`;
}

let wasmPathsSet = false;

async function loadWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Resolve the .wasm files from the installed package, so bundling this
  // adapter into an app cannot break the lookup. Allowed only before the
  // backend first initializes.
  if (!wasmPathsSet) {
    wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep);
    wasmPathsSet = true;
  }
  return 'WebAssembly with SIMD, the fastest backend without native bindings';
}

/** A cap against slips (threads: 1000): beyond the cores, threads only compete, and a 128-row product has 32 row tiles to share. */
const MAX_THREADS = 64;

/** `ELBO_WASM_THREADS`: unset or empty is the default, the cores up to 4 on the main thread, 1 in a worker thread. */
function threadsFromEnvironment(): number {
  const value = process.env.ELBO_WASM_THREADS;
  if (value == null || value === '') return isMainThread ? Math.min(availableParallelism(), 4) : 1;
  return /^\d+$/.test(value.trim()) ? Number(value) : (value as never);
}

/** Which thread count the first call chose (`threads`); the helper threads start once per process. */
let threadsChoice: number | undefined;
let startedThreads: KernelThreads | undefined;
/** Why the helper threads could not start, where they could not. */
let threadsFailure: string | undefined;

/** Starts the helper threads of elbo's wasm kernels once (see `threads`); says how many share the work. */
function startHelperThreads(): string {
  const matMul = installWasmSimdMatMul(); // installed already: this answers whether it runs, and how
  if (threadsChoice == null || threadsChoice < 2 || matMul == null) return '';
  if (startedThreads == null) {
    try {
      startedThreads = startKernelThreads(threadsChoice - 1, matMul.fused);
    } catch (error) {
      // A runtime without worker threads or shared wasm memory still has a working backend, on one thread.
      threadsFailure = error instanceof Error ? error.message : String(error);
    }
  }
  if (startedThreads == null) return `; one thread (worker threads could not start: ${threadsFailure})`;
  setThreadHelpers(startedThreads);
  return `; large products and Bernoulli log-likelihoods shared by ${threadsChoice} threads`;
}

/** The helper threads of elbo's wasm kernels, where `threads` started them (for tests and benchmarks). */
export function kernelThreads(): KernelThreads | undefined {
  return startedThreads;
}

/** `ELBO_WASM_RELAXED_SIMD`: 1 or 0; unset or empty is the default, on. */
function relaxedSimdFromEnvironment(): boolean {
  const value = process.env.ELBO_WASM_RELAXED_SIMD;
  if (value == null || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`ELBO_WASM_RELAXED_SIMD must be 1 or 0, got ${show(value)}`);
}

/** Turns on V8's relaxed SIMD where it is still behind a flag (Node 20); see `relaxedSimd`. */
function enableRelaxedSimd(): void {
  if (relaxedSimdEnabled) return;
  relaxedSimdEnabled = true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
let relaxedSimdEnabled = false;

/** Which kernels the first call chose (`kernels`); later calls keep it, since kernels are registered once per process. */
let kernelChoice: 'elbo' | 'stock' | undefined;
