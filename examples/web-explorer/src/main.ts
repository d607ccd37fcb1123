import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-web';
import { adam, foldIn } from '@elbo/prob';
import { VAE, convDecoder, convEncoder, mlp } from '@elbo/vae';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { loadDigits, type Digits } from './digits';
import { setUpOwnImages } from './own-images';
import { DIGIT_COLORS, MapFrame, drawDigit, drawLoss, drawMap, type LossSeries } from './plots';

const MODEL_URL = 'indexeddb://elbo-web-explorer';
const BATCH = 128;
const MAX_EPOCHS = 50;
/** Adam's step size: a little above the usual 1e-3, so a few seconds of training already show structure. */
const LEARNING_RATE = 2e-3;

/** What the page has done so far; read by the browser test through `window.explorer`. */
interface ExplorerState {
  backend: string;
  reason: string;
  status: string;
  epoch: number;
  steps: number;
  losses: number[];
  mapPoints: number;
  decodedInk: number;
  decodedZ: [number, number] | null;
  extent: number;
  /** Canvas pixel of the first test digit on the map (for hover checks). */
  firstPoint: [number, number] | null;
  hovered: number;
  saved: boolean;
  loaded: boolean;
  training: boolean;
  /** Which VAE the page trains: 'mlp' (784-400-2) or 'conv' (the Keras example's convolutional layers, 2-D latent). */
  model: ModelKind;
  error: string | null;
}
type ModelKind = 'mlp' | 'conv';
const state: ExplorerState = {
  backend: '',
  reason: '',
  status: '',
  epoch: 0,
  steps: 0,
  losses: [],
  mapPoints: 0,
  decodedInk: 0,
  decodedZ: null,
  extent: 0,
  firstPoint: null,
  hovered: -1,
  saved: false,
  loaded: false,
  training: false,
  model: 'mlp',
  error: null,
};
(globalThis as unknown as { explorer: ExplorerState }).explorer = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  backend: $('backend'),
  status: $('status'),
  model: $<HTMLSelectElement>('model'),
  train: $<HTMLButtonElement>('train'),
  save: $<HTMLButtonElement>('save'),
  load: $<HTMLButtonElement>('load'),
  loss: $<HTMLCanvasElement>('loss'),
  map: $<HTMLCanvasElement>('map'),
  hover: $<HTMLCanvasElement>('hover'),
  decoded: $<HTMLCanvasElement>('decoded'),
  decodedZ: $('decoded-z'),
  from: $<HTMLSelectElement>('from'),
  to: $<HTMLSelectElement>('to'),
  slider: $<HTMLInputElement>('slider'),
  interp: $<HTMLCanvasElement>('interp'),
  legend: $('legend'),
};

function setStatus(text: string): void {
  state.status = text;
  ui.status.textContent = text;
}

function newVae(seed: number, kind: ModelKind): VAE {
  if (kind === 'conv') {
    // the same layers as the Node benchmark's convolutional VAE, with a 2-D latent for the map
    return new VAE({
      encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 4, seed }),
      decoder: convDecoder({ inputDim: 2, outputShape: [28, 28, 1], seed: foldIn(seed, 1) }),
      likelihood: 'bernoulli',
    });
  }
  return new VAE({
    encoder: mlp([784, 400, 4], { activation: 'relu', seed }),
    decoder: mlp([2, 400, 784], { activation: 'relu', seed: foldIn(seed, 1) }),
    latentDim: 2,
    likelihood: 'bernoulli',
  });
}

/** Which kind a (loaded) model is: a convolutional one takes images [n, 28, 28, 1]. */
const kindOf = (model: VAE): ModelKind => (model.inputShape?.length === 3 ? 'conv' : 'mlp');

/** The digits as the current model takes them: rows of 784 for the MLP, 28 x 28 x 1 images for the conv VAE. */
const asInput = (x: tf.Tensor2D): tf.Tensor => (state.model === 'conv' ? tf.reshape(x, [-1, 28, 28, 1]) : x);

let digits: Digits;
let xTrain: tf.Tensor2D;
let xTest: tf.Tensor2D;
/** xTrain / xTest in the current model's input shape (the same tensors for the MLP). */
let trainInput: tf.Tensor;
let testInput: tf.Tensor;
let vae: VAE;
let optimizer: tf.Optimizer;
const series: LossSeries = { loss: [], reconstruction: [], kl: [] };
let latent: Float32Array<ArrayBufferLike> = new Float32Array(0);
let frame = new MapFrame(460, 4);
let marker: [number, number] | undefined;

// Training runs in the page, batch by batch, yielding to the UI between batches.
let paused = false;
let stopRequested = false;
let resume: (() => void) | null = null;
let loop: Promise<void> | null = null;

const yieldToPage = () => new Promise<void>((r) => setTimeout(r, 0));

async function updateMap(): Promise<void> {
  const { mu, logVar } = vae.encodeParams(testInput);
  latent = (await mu.data()) as Float32Array;
  tf.dispose([mu, logVar]);
  let max = 3;
  for (const v of latent) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  frame = new MapFrame(ui.map.width, Math.ceil(max));
  state.extent = frame.extent;
  state.firstPoint = frame.toPixel(latent[0]!, latent[1]!);
  state.mapPoints = digits.nTest;
  drawMap(ui.map, frame, latent, digits.testLabels, marker);
}

async function decodeAt(z: [number, number], canvas: HTMLCanvasElement): Promise<number> {
  const image = tf.tidy(() => vae.decode(tf.tensor2d([z])));
  const pixels = await image.data();
  image.dispose();
  drawDigit(canvas, pixels);
  let ink = 0;
  for (const v of pixels) ink += v;
  return ink;
}

async function trainLoop(): Promise<void> {
  state.training = true;
  try {
    while (state.epoch < MAX_EPOCHS && !stopRequested) {
      const history = await vae.fit(trainInput, {
        epochs: 1,
        batchSize: BATCH,
        seed: state.epoch,
        optimizer,
        callbacks: {
          onBatchEnd: async (_batch, logs) => {
            state.steps++;
            series.loss.push(logs.loss!);
            series.reconstruction.push(logs.reconstruction!);
            series.kl.push(logs.kl!);
            state.losses = series.loss;
            drawLoss(ui.loss, series);
            setStatus(`epoch ${state.epoch + 1}, batch ${state.steps}: -ELBO ${logs.loss!.toFixed(1)} nats`);
            await yieldToPage();
            if (paused && !stopRequested) {
              // Pausing is done here, at a batch boundary, so that "paused" is the last status: set from
              // the click, it could land before this batch's own line and be overwritten by it.
              await updateMap();
              await refreshInterpolation();
              setStatus(`paused after ${state.steps} batches`);
            }
            while (paused && !stopRequested) await new Promise<void>((r) => (resume = r));
            return stopRequested ? false : undefined;
          },
        },
      });
      if (history.stoppedEarly || stopRequested) break;
      state.epoch++;
      await updateMap();
      await refreshInterpolation();
    }
    setStatus(stopRequested ? `stopped after ${state.steps} batches` : `done: ${state.epoch} epochs`);
  } catch (error) {
    state.error = String(error);
    setStatus(`training failed: ${(error as Error).message}`);
  } finally {
    state.training = false;
    ui.train.textContent = 'Train';
  }
}

function onTrainClick(): void {
  if (loop === null) {
    paused = false;
    stopRequested = false;
    loop = trainLoop().finally(() => (loop = null));
    ui.train.textContent = 'Pause';
  } else if (!paused) {
    paused = true; // the training loop stops at the next batch boundary, redraws the map and says so
    ui.train.textContent = 'Resume';
  } else {
    paused = false;
    ui.train.textContent = 'Pause';
    resume?.();
  }
}

async function stopTraining(): Promise<void> {
  if (loop === null) return;
  stopRequested = true;
  resume?.();
  await loop;
}

async function onSave(): Promise<void> {
  const result = await vae.save(MODEL_URL);
  state.saved = true;
  setStatus(`saved to IndexedDB (${MODEL_URL}, ${result.modelArtifactsInfo.weightDataBytes} bytes of weights)`);
}

async function onLoad(): Promise<void> {
  await stopTraining();
  let loaded: VAE;
  try {
    loaded = await VAE.load(MODEL_URL);
  } catch (error) {
    setStatus(`nothing to load: ${(error as Error).message}`);
    return;
  }
  useModel(loaded);
  state.loaded = true;
  await updateMap();
  await refreshInterpolation();
  setStatus(`loaded the model from IndexedDB (${MODEL_URL})`);
}

/** Makes `model` the page's VAE (disposing the previous one), with a fresh optimizer and its input tensors. */
function useModel(model: VAE): void {
  if (vae != null) {
    vae.dispose();
    optimizer.dispose();
    if (trainInput !== xTrain) tf.dispose([trainInput, testInput]);
  }
  vae = model;
  state.model = kindOf(model);
  ui.model.value = state.model;
  trainInput = asInput(xTrain);
  testInput = asInput(xTest);
  optimizer = adam(LEARNING_RATE); // fused on wasm: one SIMD pass per variable
  series.loss.length = series.reconstruction.length = series.kl.length = 0;
  state.losses = series.loss;
  state.epoch = state.steps = 0;
  drawLoss(ui.loss, series);
}

/** Switches between the MLP and the convolutional VAE: a fresh, untrained model of the chosen kind. */
async function onModelChange(): Promise<void> {
  await stopTraining();
  useModel(newVae(0, ui.model.value === 'conv' ? 'conv' : 'mlp'));
  await updateMap();
  await refreshInterpolation();
  setStatus(`a fresh ${state.model === 'conv' ? 'convolutional' : 'MLP'} VAE; press Train`);
}

// Hover: the nearest test digit within a few pixels.
function onHover(event: MouseEvent): void {
  const rect = ui.map.getBoundingClientRect();
  const px = ((event.clientX - rect.left) * ui.map.width) / rect.width;
  const py = ((event.clientY - rect.top) * ui.map.height) / rect.height;
  let best = -1;
  let bestD = 36;
  for (let i = 0; i < state.mapPoints; i++) {
    const [x, y] = frame.toPixel(latent[2 * i]!, latent[2 * i + 1]!);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  state.hovered = best;
  if (best < 0) {
    ui.hover.hidden = true;
    return;
  }
  drawDigit(ui.hover, digits.test.subarray(best * 784, (best + 1) * 784));
  ui.hover.style.left = `${Math.min(px + 12, ui.map.width - 90)}px`;
  ui.hover.style.top = `${Math.max(py - 96, 0)}px`;
  ui.hover.hidden = false;
}

async function onMapClick(event: MouseEvent): Promise<void> {
  const rect = ui.map.getBoundingClientRect();
  const z = frame.toLatent(
    ((event.clientX - rect.left) * ui.map.width) / rect.width,
    ((event.clientY - rect.top) * ui.map.height) / rect.height,
  );
  marker = z;
  state.decodedInk = await decodeAt(z, ui.decoded);
  state.decodedZ = z;
  ui.decodedZ.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
  drawMap(ui.map, frame, latent, digits.testLabels, marker);
}

function firstOf(digit: number): number {
  return digits.testLabels.indexOf(digit);
}

async function refreshInterpolation(): Promise<void> {
  const a = firstOf(Number(ui.from.value));
  const b = firstOf(Number(ui.to.value));
  const rows = tf.tensor2d([...digits.test.subarray(a * 784, (a + 1) * 784), ...digits.test.subarray(b * 784, (b + 1) * 784)], [2, 784]);
  const x = asInput(rows);
  const { mu, logVar } = vae.encodeParams(x);
  const m = await mu.data();
  tf.dispose([rows, x, mu, logVar]);
  const t = Number(ui.slider.value);
  await decodeAt([(1 - t) * m[0]! + t * m[2]!, (1 - t) * m[1]! + t * m[3]!], ui.interp);
}

async function start(): Promise<void> {
  const base = import.meta.env.BASE_URL;
  const selection = await selectBackend({
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    },
  });
  state.backend = selection.name;
  state.reason = selection.reason;
  ui.backend.textContent = `Running on ${selection.name}: ${selection.reason}`;
  ui.backend.dataset.backend = selection.name;

  setUpOwnImages(); // needs no digits: ready as soon as there is a backend
  digits = await loadDigits(base);
  xTrain = tf.tensor2d(digits.train, [digits.nTrain, 784]);
  xTest = tf.tensor2d(digits.test, [digits.nTest, 784]);
  useModel(newVae(0, 'mlp'));

  for (let d = 0; d < 10; d++) {
    ui.from.add(new Option(String(d), String(d)));
    ui.to.add(new Option(String(d), String(d)));
    const item = document.createElement('span');
    item.textContent = String(d);
    item.style.setProperty('--c', DIGIT_COLORS[d]!);
    ui.legend.append(item);
  }
  ui.from.value = '1';
  ui.to.value = '7';
  drawLoss(ui.loss, series);
  await updateMap();
  await refreshInterpolation();

  ui.train.addEventListener('click', onTrainClick);
  ui.model.addEventListener('change', () => void onModelChange());
  ui.save.addEventListener('click', () => void onSave().catch((e) => setStatus(`save failed: ${e.message}`)));
  ui.load.addEventListener('click', () => void onLoad());
  ui.map.addEventListener('mousemove', onHover);
  ui.map.addEventListener('mouseleave', () => (ui.hover.hidden = true));
  ui.map.addEventListener('click', (e) => void onMapClick(e));
  for (const el of [ui.from, ui.to, ui.slider]) el.addEventListener('input', () => void refreshInterpolation());
  for (const el of [ui.model, ui.train, ui.save, ui.load, ui.slider]) el.disabled = false;
  setStatus(`${digits.nTrain} training and ${digits.nTest} test digits loaded; press Train`);
}

start().catch((error) => {
  state.error = String(error);
  setStatus(`failed to start: ${(error as Error).message}`);
  console.error(error);
});
