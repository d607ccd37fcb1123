/**
 * The application's set-up for the workers of `workerThreads()`: a module
 * each worker imports and an exported function it awaits (with `options`)
 * before it loads its replica, to select and configure its backend. The
 * application names it because @elbo/vae imports no backend: the application
 * picks the backend, on its threads and on the workers. Functions cannot
 * cross to a thread, so the set-up travels as a module URL, an export name
 * and plain data.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeValue } from '@elbo/prob';

/** What each worker of `workerThreads()` runs first: `await (await import(module))[export](options)`. */
export interface WorkerSetup {
  /**
   * The module, as a URL (`file:` or `data:`) or an absolute path. A package
   * name is resolved where you call `workerThreads()`, so that it is your
   * application's copy: `import.meta.resolve('@elbo/backend-node')`; a file of
   * your own: `new URL('./worker-setup.js', import.meta.url)`.
   */
  module: string | URL;
  /** The exported function to await. Default `'default'`. */
  export?: string;
  /** Its one argument: plain data (it is copied to the worker by structured clone, so no functions). */
  options?: unknown;
}

/** A set-up that cannot work: refused by `workerThreads()`, or failed in a worker (from `open`, so from `VAE.fit`). */
export class WorkerSetupError extends Error {
  override name = 'WorkerSetupError';
}

/** The set-up as it crosses to a worker. */
export interface CheckedSetup {
  /** The module's URL (`href`). */
  module: string;
  export: string;
  options: unknown;
}

const EXAMPLE =
  "workerThreads({ setup: { module: import.meta.resolve('@elbo/backend-node'), export: 'selectBackend', options: { prefer: ['wasm'] } } })";

/** Checks `setup` up front, where the mistake is made, and names what is wrong. */
export function checkWorkerSetup(setup: unknown): CheckedSetup {
  if (setup == null) {
    throw refuse(
      `setup is required: each worker selects its backend with your application's set-up (@elbo/vae imports no backend), e.g. ${EXAMPLE}`,
    );
  }
  if (typeof setup !== 'object' || Array.isArray(setup) || setup instanceof URL) {
    throw refuse(`setup must be an object { module, export?, options? }, got ${describeSetupValue(setup)}; e.g. ${EXAMPLE}`);
  }
  const { module, export: name = 'default', options } = setup as WorkerSetup;
  const url = moduleUrl(module);
  if (typeof name !== 'string' || name === '')
    throw refuse(`setup.export must be the name of a function the module exports, got ${describeSetupValue(name)}`);
  try {
    structuredClone(options);
  } catch (error) {
    throw refuse(
      `setup.options must be plain data that can be copied to a worker thread (no functions), got ${describeSetupValue(options)}: ${messageOf(error)}`,
    );
  }
  return { module: url, export: name, options };
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) return checkUrl(module);
  if (typeof module !== 'string' || module === '') {
    throw refuse(`setup.module must be a URL or an absolute path of the set-up module, got ${describeSetupValue(module)}`);
  }
  if (isAbsolute(module)) return checkUrl(pathToFileURL(module));
  let url: URL;
  try {
    url = new URL(module);
  } catch {
    const relative = module.startsWith('.');
    const fix = relative ? `new URL('${module}', import.meta.url)` : `import.meta.resolve('${module}')`;
    throw refuse(
      `setup.module must be a URL or an absolute path, got ${describeSetupValue(module)}: a ${relative ? 'relative path' : 'package name'} would resolve from ` +
        `@elbo/vae's folder, not your application's; resolve it where you call workerThreads(): ${fix}`,
    );
  }
  return checkUrl(url);
}

function checkUrl(url: URL): string {
  if (url.protocol === 'data:') return url.href;
  if (url.protocol !== 'file:') throw refuse(`setup.module must be a file: or data: URL (what a worker can import), got ${url.href}`);
  if (!existsSync(fileURLToPath(url))) throw refuse(`setup.module ${url.href} does not exist`);
  return url.href;
}

/**
 * Runs the set-up in a worker: imports the module and awaits its function.
 * Throws a message that names the module and the step that failed.
 */
export async function runWorkerSetup(setup: CheckedSetup): Promise<void> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(setup.module)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`setup.module ${setup.module} could not be imported: ${messageOf(error)}`);
  }
  const run = exports[setup.export];
  if (typeof run !== 'function') {
    throw new Error(
      `setup.module ${setup.module} has no function export '${setup.export}' (its exports: ${Object.keys(exports).join(', ') || 'none'})`,
    );
  }
  try {
    await (run as (options: unknown) => unknown)(setup.options);
  } catch (error) {
    throw new Error(`${setup.export}() of ${setup.module} threw: ${messageOf(error)}`);
  }
}

/** prob's describer, with a URL shown by its address (what the set-up module option takes). */
function describeSetupValue(value: unknown): string {
  return value instanceof URL ? `URL ${value.href}` : describeValue(value);
}

function refuse(why: string): WorkerSetupError {
  return new WorkerSetupError(`workerThreads: ${why}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
