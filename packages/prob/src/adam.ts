import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the fused Adam kernel that `@elbo/backend-node` and
 * `@elbo/backend-web` register for the `wasm` and `cpu` backends: inputs
 * `w, m, v, g`; attributes `beta1, beta2, epsilon, stepSize = lr / (1 - beta1^t),
 * rootCorrection = 1 / sqrt(1 - beta2^t)`; outputs the new `w, m, v`.
 */
export const ADAM_KERNEL = 'ElboAdamUpdate';

/** What `applyGradients` takes: a map from variable name to gradient, or a list of `{ name, tensor }`. */
type Gradients = tf.NamedTensorMap | Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface MomentSlot {
  originalName: string;
  variable: tf.Variable;
}
/** The fields of tfjs' AdamOptimizer this class shares (private there, so reached through a cast). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (MomentSlot | undefined)[];
  accumulatedSecondMoment: (MomentSlot | undefined)[];
}

/**
 * tfjs' Adam with the same state, weights, config and serialization, whose
 * update runs as one fused kernel per variable where the active backend has
 * one (wasm: one SIMD pass over the backend's memory instead of ~14
 * elementwise kernels; cpu: one loop), and as tfjs' own Adam elsewhere.
 * The results agree with `tf.train.adam` to float32 rounding.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** True when the last `applyGradients` ran the fused kernel (for tests and benchmarks). */
  lastStepFused = false;

  override applyGradients(variableGradients: Gradients): void {
    const state = this as unknown as AdamState;
    const t = this.iterations + 1; // 1-based step being taken
    if (tf.getKernel(ADAM_KERNEL, tf.getBackend()) == null) {
      // tfjs' path reads beta^t from its accumulators; the fused path counts iterations instead.
      tf.tidy(() => {
        state.accBeta1.assign(tf.pow(this.beta1, t));
        state.accBeta2.assign(tf.pow(this.beta2, t));
      });
      super.applyGradients(variableGradients as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      this.lastStepFused = false;
      return;
    }
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => [name, tensor] as const)
      : Object.entries(variableGradients as tf.NamedTensorMap);
    const attrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      stepSize: this.learningRate / (1 - this.beta1 ** t),
      rootCorrection: 1 / Math.sqrt(1 - this.beta2 ** t),
    };
    // Check every pair before changing anything.
    const variables = entries.map(([name, gradient]) => {
      const value = tf.engine().registeredVariables[name];
      if (value == null) throw new Error(`adam: no variable named "${name}" is registered (a gradient was given for it)`);
      if (gradient != null && (gradient.dtype !== 'float32' || !tf.util.arraysEqual(gradient.shape, value.shape))) {
        throw new Error(
          `adam: the gradient of "${name}" must be float32 of shape [${value.shape}], got ${gradient.dtype} [${gradient.shape}]`,
        );
      }
      return value;
    });
    entries.forEach(([name, gradient], i) => {
      const value = variables[i]!;
      if (gradient == null) return;
      const first = (state.accumulatedFirstMoment[i] ??= slot(`${name}/m`, value));
      const second = (state.accumulatedSecondMoment[i] ??= slot(`${name}/v`, value));
      const [w, m, v] = tf
        .engine()
        .runKernel(
          ADAM_KERNEL,
          { w: value, m: first.variable, v: second.variable, g: gradient },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      value.assign(w!);
      first.variable.assign(m!);
      second.variable.assign(v!);
      tf.dispose([w!, m!, v!]);
    });
    this.incrementIterations();
    this.lastStepFused = true;
  }
}

function slot(originalName: string, like: tf.Variable): MomentSlot {
  return { originalName, variable: tf.tidy(() => tf.zerosLike(like).variable(false)) };
}

/**
 * Adam (Kingma & Ba), as `tf.train.adam` with the same defaults, run as one
 * fused kernel per variable on the backends that have it (see
 * {@link FusedAdamOptimizer}). The default optimizer of `minimize` and of the
 * autoencoder's and VAE's `fit`.
 *
 * @param learningRate - step size, > 0 (default 1e-3); a plain field, so schedules may change it between steps.
 * @param beta1 - decay of the first-moment average, in [0, 1) (default 0.9).
 * @param beta2 - decay of the second-moment average, in [0, 1) (default 0.999).
 * @param epsilon - added to the root of the second moment, > 0 (default the backend's epsilon, 1e-7 in float32; PyTorch uses 1e-8).
 * @example
 * ```ts
 * const w = tf.variable(tf.scalar(5));
 * await minimize(() => tf.square(tf.sub(w, 2)), { variables: [w], optimizer: adam(0.1), steps: 200 });
 * ```
 */
export function adam(learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdamOptimizer {
  const positive = (name: string, value: number): void => {
    if (typeof value !== 'number' || !(Number.isFinite(value) && value > 0)) {
      throw new Error(`adam: ${name} must be a finite number > 0, got ${String(value)}`);
    }
  };
  const decay = (name: string, value: number): void => {
    if (typeof value !== 'number' || !(value >= 0 && value < 1))
      throw new Error(`adam: ${name} must be a number in [0, 1), got ${String(value)}`);
  };
  positive('learningRate', learningRate);
  decay('beta1', beta1);
  decay('beta2', beta2);
  if (epsilon !== undefined) positive('epsilon', epsilon);
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
