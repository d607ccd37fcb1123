import * as tf from '@tensorflow/tfjs-core';
import { checkConstraint, getValidateArgs, type Constraint } from './constraints';
import { broadcastShape, describeValue, stopGradient, toFloat, toSampleShape, type TensorInput } from './convert';
import { logitsFromProbs, oneOf, type LogitsOrProbs } from './logits';

/** Options every distribution takes. */
export interface DistributionOptions {
  /** Check parameters and `logProb`/`cdf` values against their constraints; default {@link getValidateArgs}(). */
  validateArgs?: boolean;
}

/** Options of `sample` / `rsample`. */
export interface SampleOptions {
  /** Same seed, same numbers (on the same backend); default a fresh random seed. */
  seed?: number;
}

/**
 * The base of every distribution, with torch.distributions / TFP semantics.
 * Public methods check and convert their input, then call a protected hook
 * (`_logProb`, `_rsample`, ...) that subclasses write.
 *
 * Shapes: a distribution holds a batch of independent distributions
 * (`batchShape`), each over values of shape `eventShape`; `sample(sampleShape)`
 * returns `sampleShape + batchShape + eventShape`, `logProb(x)` returns
 * `sampleShape + batchShape`.
 *
 * Memory: tensors you pass as parameters stay yours (the distribution keeps a
 * reference, so gradients flow to them); tensors the distribution makes from
 * numbers or arrays, or derives (logits from probs), are its own and
 * `dispose()` frees them. Made inside `tf.tidy`, all of them go with the tidy.
 * Every public method returns new tensors that the caller owns.
 *
 * @example
 * ```ts
 * class Exponential extends Distribution {
 *   static override readonly argConstraints = { rate: constraints.positive };
 *   readonly rate: tf.Tensor;
 *   constructor({ rate }: { rate: TensorInput }, options?: DistributionOptions) {
 *     super([], [], options);
 *     this.rate = this.param(rate, 'rate');
 *     (this as { batchShape: number[] }).batchShape = this.rate.shape;
 *     this.checkParams({ rate: this.rate });
 *   }
 *   protected get support() { return constraints.positive; }
 *   protected _logProb(x: tf.Tensor) { return tf.sub(tf.log(this.rate), tf.mul(this.rate, x)); }
 *   // ... _entropy, _mean, _variance
 * }
 * ```
 */
export abstract class Distribution {
  /** Constraints on the parameters, by name (as torch's `arg_constraints`). */
  static readonly argConstraints: Readonly<Record<string, Constraint>> = {};
  /** Shape of the batch of independent distributions. */
  readonly batchShape: number[];
  /** Shape of one value. */
  readonly eventShape: number[];
  /** Whether this instance checks its arguments. */
  readonly validateArgs: boolean;
  /** True when `rsample` exists: a sampler through which gradients flow to the parameters. */
  get hasRsample(): boolean {
    return false;
  }
  private readonly owned: tf.Tensor[] = [];

  protected constructor(batchShape: number[], eventShape: number[], options: DistributionOptions = {}) {
    this.batchShape = batchShape;
    this.eventShape = eventShape;
    this.validateArgs = options.validateArgs ?? getValidateArgs();
  }

  /** The set of values with positive density (used to check `logProb` inputs). */
  protected abstract get support(): Constraint;

  /** Class name for messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  /**
   * The constructor's parameter object, checked to be one: `new Normal(null)`
   * gets a message naming the parameters rather than a destructuring TypeError.
   */
  protected paramObject<P extends object>(params: P, names: readonly string[]): P {
    if (params == null || typeof params !== 'object' || Array.isArray(params)) {
      throw new TypeError(`${this.name}: expected { ${names.join(', ')} }, got ${describeValue(params)}`);
    }
    return params;
  }

  /**
   * Converts a parameter to float32, remembering tensors made here as owned;
   * when it throws, the tensors made for earlier parameters are freed.
   */
  protected param(value: TensorInput, name: string): tf.Tensor {
    try {
      if (value === undefined) throw new Error(`${this.name}: parameter ${name} is missing`);
      const t = toFloat(value, name, this.name);
      if (t !== value) this.owned.push(t);
      return t;
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Sets `batchShape` to the broadcast of the named parameters' shapes; frees owned tensors when they do not broadcast. */
  protected setBatchShape(params: Record<string, tf.Tensor>): void {
    try {
      const shapes = Object.entries(params).map(([name, t]) => `${name} of shape [${t.shape.join(', ')}]`);
      (this as { batchShape: number[] }).batchShape = batchShapeOf(
        `${this.name}: ${shapes.join(' and ')} must broadcast`,
        ...Object.values(params),
      );
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Remembers a derived tensor as owned by this distribution. */
  protected own<T extends tf.Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  /**
   * The logits and probs of a distribution on one success probability (Bernoulli, continuous
   * Bernoulli) from whichever was given, checked, the other derived (sigmoid, or the clamped logit).
   */
  protected logitsAndProbs(params: LogitsOrProbs): { logits: tf.Tensor; probs: tf.Tensor } {
    if (oneOf(this.name, params) === 'logits') {
      const logits = this.param(params.logits!, 'logits');
      this.checkParams({ logits });
      return { logits, probs: this.own(tf.sigmoid(logits)) };
    }
    const probs = this.param(params.probs!, 'probs');
    this.checkParams({ probs });
    return { logits: this.own(logitsFromProbs(probs)), probs };
  }

  /** Checks parameters against the class's `argConstraints` (when validating); disposes owned tensors on failure. */
  protected checkParams(params: Record<string, tf.Tensor>): void {
    if (!this.validateArgs) return;
    const declared = (this.constructor as typeof Distribution).argConstraints;
    try {
      for (const [name, t] of Object.entries(params)) {
        const c = declared[name];
        if (c != null) checkConstraint(this.name, name, t, c);
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Frees the tensors this distribution made (never the ones you passed in). */
  dispose(): void {
    tf.dispose(this.owned);
    this.owned.length = 0;
  }

  /**
   * Draws samples; no gradient flows through them (see `rsample`).
   *
   * @param sampleShape - leading shape of the draw; default `[]` (one draw).
   * @returns tensor of shape `sampleShape + batchShape + eventShape`.
   */
  sample(sampleShape: number | number[] = [], { seed }: SampleOptions = {}): tf.Tensor {
    const shape = toSampleShape(sampleShape, `${this.name}.sample`);
    return tf.tidy(() => (this.hasRsample ? stopGradient(this._rsample(shape, seed)) : this._sample(shape, seed)));
  }

  /**
   * Draws reparameterized samples (x = f(params, noise)) through which
   * gradients flow to the parameters; only where `hasRsample`.
   *
   * @returns tensor of shape `sampleShape + batchShape + eventShape`.
   */
  rsample(sampleShape: number | number[] = [], { seed }: SampleOptions = {}): tf.Tensor {
    if (!this.hasRsample) {
      throw new Error(`${this.name} has no reparameterized sampler (hasRsample is false): use sample(), which passes no gradient`);
    }
    const shape = toSampleShape(sampleShape, `${this.name}.rsample`);
    return tf.tidy(() => this._rsample(shape, seed));
  }

  /**
   * Log density (or log mass) of `value`.
   *
   * @param value - shape broadcastable to `batchShape + eventShape`, with leading sample axes.
   * @returns tensor of shape `sampleShape + batchShape`.
   */
  logProb(value: TensorInput): tf.Tensor {
    return tf.tidy(() => this._logProb(this.checkValue(value, 'logProb')));
  }

  /** Density (or mass) of `value`: exp(logProb(value)). */
  prob(value: TensorInput): tf.Tensor {
    return tf.tidy(() => tf.exp(this._logProb(this.checkValue(value, 'prob'))));
  }

  /** Cumulative distribution function P(X <= value), where the distribution has one. */
  cdf(value: TensorInput): tf.Tensor {
    return tf.tidy(() => this._cdf(this.checkValue(value, 'cdf')));
  }

  /** Entropy in nats; shape `batchShape`. */
  entropy(): tf.Tensor {
    return tf.tidy(() => this._entropy());
  }

  /** Mean; shape `batchShape + eventShape`. */
  mean(): tf.Tensor {
    return tf.tidy(() => this._mean());
  }

  /** Variance; shape `batchShape + eventShape`. */
  variance(): tf.Tensor {
    return tf.tidy(() => this._variance());
  }

  /** Standard deviation, sqrt(variance); shape `batchShape + eventShape`. */
  stddev(): tf.Tensor {
    return tf.tidy(() => tf.sqrt(this._variance()));
  }

  protected _sample(_shape: number[], _seed: number | undefined): tf.Tensor {
    throw new Error(`${this.name} cannot sample`);
  }
  protected _rsample(_shape: number[], _seed: number | undefined): tf.Tensor {
    throw new Error(`${this.name} has no reparameterized sampler`);
  }
  protected abstract _logProb(value: tf.Tensor): tf.Tensor;
  protected _cdf(_value: tf.Tensor): tf.Tensor {
    throw new Error(`${this.name} has no cdf`);
  }
  protected abstract _entropy(): tf.Tensor;
  protected abstract _mean(): tf.Tensor;
  protected abstract _variance(): tf.Tensor;

  /** Broadcasts `t` to `batchShape + eventShape` as a new tensor. */
  protected full(t: tf.Tensor): tf.Tensor {
    return tf.broadcastTo(t, [...this.batchShape, ...this.eventShape]);
  }

  /** Converts a value, checks that its shape fits and (when validating) that it lies in the support. */
  protected checkValue(value: TensorInput, method: string): tf.Tensor {
    const where = `${this.name}.${method}`;
    const x = toFloat(value, 'value', where);
    const expected = [...this.batchShape, ...this.eventShape];
    const trailing = x.shape.slice(Math.max(0, x.rank - expected.length));
    broadcastShape(
      trailing,
      expected,
      `${where}: value of shape [${x.shape.join(', ')}] must broadcast with batchShape + eventShape [${expected.join(', ')}]`,
    );
    if (this.validateArgs && this.checksOwnSupport) checkConstraint(where, 'value', x, this.support);
    return x;
  }

  /** False where the hook hands values to another distribution that checks them (Independent). */
  protected get checksOwnSupport(): boolean {
    return true;
  }
}

/** Shape of a batch given its parameters' shapes (tfjs broadcasting). */
export function batchShapeOf(where: string, ...params: tf.Tensor[]): number[] {
  return params.reduce<number[]>((s, p) => broadcastShape(s, p.shape, where), []);
}
