import * as tf from '@tensorflow/tfjs-core';
import { adam } from './adam';
import { NonFiniteLossError } from './errors';
import { assertGradientsRegistered } from './gradients';
import { Yielder } from './yield';

/** What `onStep` receives: the step index (from 0) and that step's loss. */
export interface StepInfo {
  step: number;
  loss: number;
}

/** The loss: a scalar tensor from the batch (undefined when only `steps` is given) and the step index. */
export type LossFunction<B> = (batch: B, step: number) => tf.Tensor;

/** Options of {@link minimize}: give `steps`, `batches`, or both (it stops at whichever ends first). */
export interface MinimizeOptions<B> {
  /** The variables to train; default every trainable variable that the loss reads. */
  variables?: tf.Variable[];
  /** Default `adam(1e-3)` (this package's fused Adam, the same arithmetic as `tf.train.adam`), made and disposed by `minimize`; an optimizer you pass stays yours. */
  optimizer?: tf.Optimizer;
  /** Number of steps. */
  steps?: number;
  /** One step per batch; `loss` receives the batch. Sync or async iterable. */
  batches?: Iterable<B> | AsyncIterable<B>;
  /**
   * Called for every step after that step's update has been applied (so the
   * variables it reads are the updated ones) and its loss read, in step order;
   * may be async; returning `false` stops, with that step's update kept.
   */
  onStep?: (info: StepInfo) => void | boolean | Promise<void | boolean>;
  /**
   * Stops cleanly between steps; the result then has `aborted: true`. The
   * loop yields to the event loop (a macrotask) every ~20 ms, so a signal
   * fired from a timer is seen even when every step runs synchronously.
   */
  signal?: AbortSignal;
  /**
   * Read the loss back from the device every N steps (default 1). Each read
   * waits for the device; with N > 1 the losses of N steps are read together
   * and `onStep` runs for them in a burst after all N updates have been
   * applied (so `onStep` of an earlier step in the burst already sees the
   * variables of the burst's last step), and a non-finite loss is noticed
   * only at the next read: the variables are then restored to their values at
   * the previous read, when every loss so far was finite.
   */
  lossEvery?: number;
}

/** What {@link minimize} returns. */
export interface MinimizeResult {
  /** The loss of every step that was taken, in order (losses[k] is computed before update k). */
  losses: number[];
  /** Number of updates applied. */
  steps: number;
  /** True when `signal` stopped the loop. */
  aborted: boolean;
  /** True when `onStep` returned `false`. */
  stoppedEarly: boolean;
}

/**
 * The one optimization loop of elbo, in the spirit of `tfp.math.minimize`:
 * one gradient step on `loss` per step or batch, returning the loss trace.
 *
 * ```
 * for k = 0, 1, ...:  L_k = loss(batch_k, k);  check L_k, dL_k/dtheta finite
 *                     theta <- optimizer(theta, dL_k/dtheta);  onStep({ step: k, loss: L_k })
 * ```
 *
 * A non-finite loss or gradient throws a {@link NonFiniteLossError} naming the step; the
 * update of that step is never applied, and an update that itself makes a variable
 * non-finite (a learning rate too large for float32) is undone, so the variables keep finite values
 * (see `lossEvery` for the restore rule when reads are batched). Leaks no
 * tensors. Yields to the event loop every ~20 ms (timers, an AbortSignal
 * fired from a timer, a progress bar or a page stay live). Needs registered gradients (`await selectBackend()` from
 * `@elbo/backend-node` or `@elbo/backend-web`).
 *
 * @param loss - returns a scalar tensor (shape []); the tensors it makes are disposed for you.
 * @param options - see {@link MinimizeOptions}.
 * @returns the loss trace and how the loop ended.
 * @example
 * ```ts
 * const w = tf.variable(tf.scalar(5));
 * const { losses } = await minimize(() => tf.square(tf.sub(w, 2)), {
 *   variables: [w], optimizer: tf.train.sgd(0.1), steps: 100,
 * });
 * // w is now close to 2, losses[99] close to 0
 * ```
 */
export async function minimize<B = undefined>(loss: LossFunction<B>, options: MinimizeOptions<B>): Promise<MinimizeResult> {
  const { variables, steps, batches, onStep, signal } = checkOptions(loss, options);
  const lossEvery = options.lossEvery ?? 1;
  assertGradientsRegistered('minimize');
  const optimizer = options.optimizer ?? adam(1e-3);
  const batchIterator = batches == null ? null : iterate(batches);
  const losses: number[] = [];
  let pending: { step: number; loss: tf.Tensor }[] = [];
  let snapshot: tf.Tensor[] | null = null;
  // Per update since the last read: did it leave every variable finite? (An update can overflow though its gradient was finite.)
  let updates: { step: number; ok: tf.Tensor }[] = [];
  let firstUnreadUpdate = 0;
  let trained: tf.Variable[] = variables ?? [];
  let aborted = false;
  let stoppedEarly = false;
  let step = 0;
  const yielder = new Yielder();

  /**
   * Reads the pending losses, a gradient flag and the updates' flag in one device read; on a non-finite
   * one restores the variables to the last snapshot (taken after the last good read, before any update
   * since) and throws, else records the losses.
   */
  const readPending = async (gradsOk: tf.Tensor | null): Promise<StepInfo[]> => {
    if (pending.length === 0 && updates.length === 0) return [];
    const flag = (t: tf.Tensor) => tf.reshape(tf.cast(t, 'float32'), [1]);
    const packed = tf.tidy(() =>
      tf.concat([
        ...pending.map((p) => tf.reshape(p.loss, [1])),
        gradsOk == null ? tf.ones([1]) : flag(gradsOk),
        ...updates.map((u) => flag(u.ok)),
      ]),
    );
    const values = await packed.data();
    packed.dispose();
    const [read, checked] = [pending, updates];
    [pending, updates] = [[], []];
    read.forEach((p) => p.loss.dispose());
    checked.forEach((u) => u.ok.dispose());
    // In the order things happened: loss k, gradient k, update k, loss k + 1, ...; the first bad one is the cause.
    const events = [
      ...read.map((p, i) => ({ step: p.step, at: 0, kind: 'loss' as const, ok: Number.isFinite(values[i]!), value: values[i]! })),
      ...(read.length > 0 ? [{ step: read[read.length - 1]!.step, at: 1, kind: 'gradient' as const, ok: values[read.length] === 1 }] : []),
      ...checked.map((u, i) => ({ step: u.step, at: 2, kind: 'update' as const, ok: values[read.length + 1 + i] === 1 })),
    ].sort((x, y) => x.step - y.step || x.at - y.at);
    const cause = events.find((e) => !e.ok);
    if (cause != null) {
      // After a bad update, or a bad loss or gradient read late (lossEvery > 1), go back to the last read;
      // a bad loss or gradient read at once comes before its update: the variables are the last good ones.
      const restored = (checked.some((_, i) => values[read.length + 1 + i] !== 1) || lossEvery > 1) && restoreSnapshot();
      const restoredTo = restored ? `, and the variables were restored to their values before the update of step ${firstUnreadUpdate}` : '';
      const { kind, step: at } = cause;
      if (kind === 'update') {
        throw new NonFiniteLossError(
          `minimize: the update of step ${at} made a variable non-finite (its loss and gradient were finite: the step itself overflowed)` +
            restoredTo +
            '. Lower the learning rate.',
          { step: at, kind, restored },
        );
      }
      const value = kind === 'loss' ? cause.value : undefined;
      const where = kind === 'loss' ? `loss is ${value} at step ${at}` : `a gradient is not finite at step ${at}`;
      throw new NonFiniteLossError(
        `minimize: ${where}; the update of that step was not applied` +
          restoredTo +
          '. Lower the learning rate, check the data, or compute the loss in log space.',
        { step: at, kind, value, restored },
      );
    }
    const infos = read.map((p, i) => ({ step: p.step, loss: values[i]! }));
    infos.forEach((info) => losses.push(info.loss));
    return infos;
  };
  /** Runs `onStep` for steps whose updates are applied; `false` from any of them stops the loop. */
  const report = async (infos: StepInfo[]): Promise<void> => {
    if (onStep == null) return;
    for (const info of infos) if ((await onStep(info)) === false) stoppedEarly = true;
  };
  const restoreSnapshot = (): boolean => {
    if (snapshot == null) return false;
    trained.forEach((v, i) => v.assign(snapshot![i]!));
    return true;
  };
  /**
   * The variables' current values, without a copy: a second reference to each value's data, kept
   * alive when an update assigns the variable a new value (as every tfjs optimizer does).
   */
  const takeSnapshot = (): void => {
    snapshot?.forEach((t) => t.dispose());
    snapshot = trained.map(sharedReference);
    firstUnreadUpdate = step;
  };
  /** Records whether the update of step `at` left every trained variable finite: one sum per variable, no read. */
  const checkUpdate = (at: number): void => {
    if (trained.length === 0) return;
    updates.push({ step: at, ok: tf.tidy(() => tf.isFinite(tf.addN(trained.map((v) => tf.sum(v))))) });
  };

  try {
    while (steps == null || step < steps) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      let batch: B = undefined as B;
      if (batchIterator != null) {
        const next = await batchIterator.next();
        if (next.done === true) break;
        batch = next.value;
      }
      const k = step;
      const { value, grads } = tf.variableGrads(
        () =>
          freeingSavedOnThrow(() => {
            const y = loss(batch, k);
            if (!(y instanceof tf.Tensor) || y.rank !== 0) {
              const got = y instanceof tf.Tensor ? `a tensor of shape [${y.shape.join(', ')}]` : typeof y;
              throw new Error(`minimize: loss must return a scalar tensor (shape []), got ${got} at step ${k}`);
            }
            return y as tf.Scalar;
          }),
        variables,
      );
      if (trained.length === 0) trained = Object.keys(grads).map((name) => tf.engine().registeredVariables[name]!);
      if (snapshot == null) takeSnapshot();
      pending.push({ step: k, loss: value });
      const isRead = (k + 1) % lossEvery === 0 || (steps != null && k + 1 === steps);
      // Check first (a non-finite step is never applied), then update, then report.
      let read: StepInfo[] = [];
      try {
        if (isRead) {
          // One sum per gradient instead of an elementwise test: a NaN or an infinity anywhere makes the
          // total non-finite (so does a sum overflowing float32, which is as unusable a step).
          const sums = (): tf.Tensor[] => Object.values(grads).map((g) => tf.sum(g));
          const gradsOk = tf.tidy(() => (Object.keys(grads).length === 0 ? tf.scalar(true, 'bool') : tf.isFinite(tf.addN(sums()))));
          try {
            read = await readPending(gradsOk);
          } finally {
            gradsOk.dispose();
          }
        }
        if (isRead) takeSnapshot(); // after a good read, before this step's update
        optimizer.applyGradients(grads);
      } finally {
        tf.dispose(grads);
      }
      checkUpdate(k);
      step++;
      await report(read);
      await yielder.maybeYield();
      if (stoppedEarly) break;
    }
    await report(await readPending(null));
  } finally {
    pending.forEach((p) => p.loss.dispose());
    updates.forEach((u) => u.ok.dispose());
    (snapshot as tf.Tensor[] | null)?.forEach((t) => t.dispose());
    if (options.optimizer == null) optimizer.dispose();
    await batchIterator?.return?.();
  }
  return { losses, steps: step, aborted, stoppedEarly };
}

/**
 * A second tensor on `v`'s current data, without a copy (as cpu's Identity kernel makes one): the data
 * is freed when both are disposed. A backend without reference counts (`incRef` not implemented) gets a copy.
 */
function sharedReference(v: tf.Variable): tf.Tensor {
  const backend = tf.backend() as tf.KernelBackend & { incRef?(dataId: tf.DataId): void };
  try {
    backend.incRef!(v.dataId);
  } catch {
    return tf.clone(v);
  }
  return tf.engine().makeTensorFromDataId(v.dataId, v.shape, v.dtype, backend);
}

/** The part of tfjs' engine (4.x) that records a gradient tape: each node keeps the tensors its backward pass needs. */
interface GradientTapeState {
  state: { activeTape: { saved?: tf.Tensor[] }[] | null };
}

/**
 * Runs `f` while a gradient tape records; if it throws, frees the tensors
 * tfjs kept for the backward pass of the kernels `f` ran. tfjs disposes them
 * only in that backward pass, which never comes after a throw, so an error
 * in a loss function would leak a few tensors per call.
 */
function freeingSavedOnThrow<T>(f: () => T): T {
  const { state } = tf.engine() as unknown as GradientTapeState;
  const recordedBefore = state.activeTape?.length ?? 0;
  try {
    return f();
  } catch (error) {
    for (const node of state.activeTape?.slice(recordedBefore) ?? []) {
      tf.dispose(node.saved ?? []);
      node.saved = [];
    }
    throw error;
  }
}

function checkOptions<B>(loss: LossFunction<B>, options: MinimizeOptions<B>): MinimizeOptions<B> {
  if (typeof loss !== 'function') throw new TypeError(`minimize: loss must be a function returning a scalar tensor, got ${typeof loss}`);
  if (options == null || typeof options !== 'object') throw new TypeError('minimize: options must be an object with steps or batches');
  const { steps, batches, variables, lossEvery, optimizer, onStep } = options;
  if (steps == null && batches == null) throw new Error('minimize: give steps (a number) or batches (an iterable), got neither');
  if (steps != null && (!Number.isInteger(steps) || steps < 0)) throw new Error(`minimize: steps must be an integer >= 0, got ${steps}`);
  if (
    batches != null &&
    typeof (batches as any)[Symbol.iterator] !== 'function' &&
    typeof (batches as any)[Symbol.asyncIterator] !== 'function'
  ) {
    throw new TypeError('minimize: batches must be an iterable or an async iterable');
  }
  if (lossEvery != null && (!Number.isInteger(lossEvery) || lossEvery < 1))
    throw new Error(`minimize: lossEvery must be an integer >= 1, got ${lossEvery}`);
  if (variables != null) {
    if (!Array.isArray(variables)) throw new TypeError('minimize: variables must be an array of tf.Variable');
    variables.forEach((v, i) => {
      if (!(v instanceof tf.Variable)) throw new TypeError(`minimize: variables[${i}] must be a tf.Variable, got ${typeof v}`);
    });
  }
  if (optimizer != null && !(optimizer instanceof tf.Optimizer))
    throw new TypeError('minimize: optimizer must be a tf.Optimizer (e.g. tf.train.adam(1e-3))');
  if (onStep != null && typeof onStep !== 'function') throw new TypeError(`minimize: onStep must be a function, got ${typeof onStep}`);
  return options;
}

function iterate<B>(batches: Iterable<B> | AsyncIterable<B>): Iterator<B> | AsyncIterator<B> {
  const asyncIt = (batches as AsyncIterable<B>)[Symbol.asyncIterator];
  return typeof asyncIt === 'function' ? asyncIt.call(batches) : (batches as Iterable<B>)[Symbol.iterator]();
}
