// Worker set-ups as an application writes them (workerThreads({ setup })), for the tests of
// src/node. Plain JavaScript: a worker imports it with Node, not through vitest.
import { selectBackend } from '@elbo/backend-node';

/** Selects the backend `options.backend`, and only that one. */
export default async function setup(options) {
  await selectBackend({ prefer: [options.backend], fallback: false });
}

/** A set-up that fails. */
export function broken() {
  throw new Error('this set-up fails on purpose');
}

/** A set-up that never finishes (and keeps its thread busy, so that only a timeout ends it). */
export function hangs() {
  return new Promise(() => setInterval(() => {}, 1000));
}

export const notAFunction = 1;
