import * as tf from '@tensorflow/tfjs-core';

/** Looks up a registered gradient by kernel name (tfjs' `getGradient`); injectable for tests. */
export type GradientLookup = (kernelName: string) => unknown;

/** The message thrown when no gradient functions are registered. */
export const MISSING_GRADIENTS_MESSAGE =
  'no gradient functions are registered with TensorFlow.js (tfjs-core alone ships none), so nothing can be trained. ' +
  "In Node: `import { selectBackend } from '@elbo/backend-node'` and `await selectBackend()`; " +
  "in browsers: `import { selectBackend } from '@elbo/backend-web'` and `await selectBackend()`; " +
  "or `import '@tensorflow/tfjs'`, which registers them too.";

/**
 * Throws a clear error when tfjs has no gradient functions registered (the
 * backend packages register them; tfjs-core alone does not), instead of
 * tfjs' "gradient function not found for Add" deep inside a training step.
 *
 * @param where - the caller, named at the start of the message.
 * @param lookup - gradient lookup; default tfjs' registry.
 * @example
 * ```ts
 * assertGradientsRegistered('myTrainingLoop');
 * ```
 */
export function assertGradientsRegistered(where: string, lookup: GradientLookup = tf.getGradient): void {
  if (lookup('Add') == null || lookup('Multiply') == null) {
    throw new Error(`${where}: ${MISSING_GRADIENTS_MESSAGE}`);
  }
}

/** The message thrown when no TensorFlow.js backend is registered. */
export const MISSING_BACKEND_MESSAGE =
  'no TensorFlow.js backend is registered, so no tensor can be made. ' +
  "Pick one once in your app, before using elbo: in Node `import { selectBackend } from '@elbo/backend-node'` and `await selectBackend()`; " +
  "in browsers the same from '@elbo/backend-web'.";

/**
 * Throws a clear error, naming `selectBackend`, when no TensorFlow.js backend
 * is registered at all (an app that imported only tfjs-core and elbo's model
 * packages), instead of tfjs' bare "No backend found in registry." from deep
 * inside the first op.
 *
 * @param where - the caller, named at the start of the message.
 * @param backendNames - the registered backends; default tfjs' registry.
 * @example
 * ```ts
 * assertBackend('mnist');
 * ```
 */
export function assertBackend(where: string, backendNames: () => string[] = () => tf.engine().backendNames()): void {
  if (backendNames().length === 0) throw new Error(`${where}: ${MISSING_BACKEND_MESSAGE}`);
}
