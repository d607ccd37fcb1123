/**
 * The program of one replica worker of `workerThreads()` (@elbo/vae/node):
 * runs the application's set-up (which selects the backend: this package
 * imports none), loads a copy of the model, then for every step takes the
 * current weights and its rows, and writes back the loss parts and the
 * gradient. Not an API: `workerThreads()` starts it.
 *
 * @packageDocumentation
 */
import { isMainThread, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { Control, Result, sharedViews, writeError } from './node/shared-layout';
import type { StepMessage, WorkerInit, WorkerReport } from './node/shared-layout';
import { runWorkerSetup } from './node/worker-setup';
import { trainingLoss } from './elbo';
import { VAE } from './vae';

async function start(init: WorkerInit): Promise<void> {
  const views = sharedViews(init.sizes, init.latentDim, init.buffer);
  const report = (message: WorkerReport): void => parentPort!.postMessage(message);
  const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  try {
    await runWorkerSetup(init.setup);
    const backend = currentBackend();
    if (backend !== init.backend) {
      throw new Error(
        `it left the worker on backend ${backend === undefined ? '(none)' : `'${backend}'`}, but the training thread runs '${init.backend}': ` +
          `select the same one (e.g. selectBackend's options { prefer: ['${init.backend}'], fallback: false })`,
      );
    }
  } catch (error) {
    report({ type: 'failed', stage: 'setup', message: reason(error) });
    init.port.close();
    return;
  }
  let vae: VAE;
  try {
    tf.enableProdMode();
    vae = await VAE.load(tf.io.fromMemory(init.artifacts as tf.io.ModelArtifacts));
    const shapes = vae.trainableVariables.map((v) => v.shape);
    if (JSON.stringify(shapes) !== JSON.stringify(init.shapes)) {
      throw new Error(`the loaded replica's variables have shapes ${JSON.stringify(shapes)}, expected ${JSON.stringify(init.shapes)}`);
    }
  } catch (error) {
    report({ type: 'failed', stage: 'model', message: reason(error) });
    init.port.close();
    return;
  }
  report({ type: 'ready', backend: tf.getBackend() });
  serve(vae, views, init.port);
}

/** The backend the set-up selected; undefined when it registered none that works. */
function currentBackend(): string | undefined {
  try {
    return tf.getBackend();
  } catch {
    return undefined;
  }
}

/** The step loop: blocks on the control block between steps; returns when asked to stop. */
function serve(vae: VAE, views: ReturnType<typeof sharedViews>, port: MessagePort): void {
  const variables = vae.trainableVariables;
  let last = 0;
  for (;;) {
    Atomics.wait(views.control, Control.Request, last);
    const step = Atomics.load(views.control, Control.Request);
    if (step < 0) break;
    last = step;
    try {
      const message = nextMessage(port, step);
      runStep(vae, variables, views, message);
      Atomics.store(views.control, Control.Status, 0);
    } catch (error) {
      writeError(views, error instanceof Error ? error.message : String(error));
      Atomics.store(views.control, Control.Status, 1);
    }
    Atomics.store(views.control, Control.Answered, step);
    Atomics.notify(views.control, Control.Answered);
  }
  port.close();
  vae.dispose();
}

/** The step's message; it is posted before the wake-up, so it is there or arrives within moments. */
function nextMessage(port: MessagePort, step: number): StepMessage {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; tries < 10_000; tries++) {
    const received = receiveMessageOnPort(port as unknown as import('node:worker_threads').MessagePort);
    if (received != null) {
      const message = received.message as StepMessage;
      if (message.step !== step) throw new Error(`replica worker got the rows of step ${message.step} while answering step ${step}`);
      return message;
    }
    Atomics.wait(pause, 0, 0, 1);
  }
  throw new Error(`replica worker: the rows of step ${step} did not arrive`);
}

function runStep(vae: VAE, variables: tf.Variable[], views: ReturnType<typeof sharedViews>, m: StepMessage): void {
  // The settings (kl, beta, ...) are checked by trainingLoss, in the one place the VAE's options are.
  if (!(Number.isInteger(m.rows) && m.rows >= 1 && m.x.length % m.rows === 0))
    throw new Error(`rows must divide the ${m.x.length} values sent, got ${m.rows}`);
  tf.tidy(() => {
    // slice(): the cpu backend keeps the array it is given, and this memory is rewritten next step.
    variables.forEach((v, i) => v.assign(tf.tensor(views.weights[i]!.slice(), v.shape)));
    const x = tf.tensor(m.x, [m.rows, ...(vae.inputShape ?? [m.x.length / m.rows])]);
    let parts: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const t = trainingLoss(vae, x, { beta: m.beta, freeBits: m.freeBits, kl: m.kl, samples: m.samples, seed: m.seed });
      parts = [tf.keep(t.reconstruction), tf.keep(t.kl), tf.keep(t.klPerDim)];
      return t.loss;
    }, variables);
    variables.forEach((v, i) => views.grads[i]!.set(grads[v.name]!.dataSync() as Float32Array));
    views.result[Result.Loss] = value.dataSync()[0]!;
    views.result[Result.Reconstruction] = parts[0]!.dataSync()[0]!;
    views.result[Result.Kl] = parts[1]!.dataSync()[0]!;
    views.klPerDim.set(parts[2]!.dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(grads), ...parts]);
  });
}

if (!isMainThread && parentPort != null) void start(workerData as WorkerInit);
