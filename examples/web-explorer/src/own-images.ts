// "Your own images": files picked or dropped (folders too) are read with imagesFromSources
// at the chosen size, colour and fit, and a convolutional VAE learns them in the page.
import * as tf from '@tensorflow/tfjs-core';
import { imagesFromSources } from '@elbo/datasets';
import type { VAE } from '@elbo/vae';
import { filesFromDrop } from './dropped-files';
import { imageVae } from './image-vae';
import { showImageResults, trainOnImages } from './own-training';

/** What this panel has done so far; read by the browser test through `window.ownImages`. */
export interface OwnImagesState {
  status: string;
  /** Files handed in (picked or dropped), images read from them, and those skipped. */
  files: number;
  read: number;
  skipped: string[];
  /** `[n, height, width, channels]` of the images read. */
  shape: number[];
  epoch: number;
  steps: number;
  losses: number[];
  training: boolean;
  /** Times the result grids were drawn. */
  shown: number;
  /** Tensors alive when the last read or training ended (the images and the model's weights: no more). */
  tensors: number;
  error: string | null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Wires the panel's controls; call once the backend is selected. */
export function setUpOwnImages(): OwnImagesState {
  const ui = {
    drop: $('drop'),
    input: $<HTMLInputElement>('files'),
    size: $<HTMLSelectElement>('own-size'),
    channels: $<HTMLSelectElement>('own-channels'),
    fit: $<HTMLSelectElement>('own-fit'),
    epochs: $<HTMLInputElement>('own-epochs'),
    train: $<HTMLButtonElement>('own-train'),
    stop: $<HTMLButtonElement>('own-stop'),
    status: $('own-status'),
    reconstructions: $<HTMLCanvasElement>('own-reconstructions'),
    samples: $<HTMLCanvasElement>('own-samples'),
  };
  const state: OwnImagesState = {
    status: '',
    files: 0,
    read: 0,
    skipped: [],
    shape: [],
    epoch: 0,
    steps: 0,
    losses: [],
    training: false,
    shown: 0,
    tensors: 0,
    error: null,
  };
  let files: File[] = [];
  let images: tf.Tensor4D | null = null;
  let vae: VAE | null = null;
  let controller: AbortController | null = null;
  let training: Promise<void> | null = null;

  const setStatus = (text: string) => {
    state.status = text;
    ui.status.textContent = text;
  };
  const fail = (what: string, error: unknown) => {
    state.error = String(error);
    setStatus(`${what}: ${(error as Error).message}`);
  };

  async function stop(): Promise<void> {
    controller?.abort();
    await training;
  }

  /** Reads the current files at the current options (again, when an option changes). */
  let reads = 0;
  async function read(): Promise<void> {
    const readNumber = ++reads;
    await stop();
    images?.dispose();
    images = null;
    ui.train.disabled = true;
    setStatus(`reading ${files.length} files…`);
    const skipped: string[] = [];
    try {
      const result = await imagesFromSources(files, {
        size: Number(ui.size.value),
        channels: ui.channels.value === '1' ? 1 : 3,
        fit: ui.fit.value === 'contain' ? 'contain' : 'cover',
        skipBad: true,
        onSkip: (name) => skipped.push(name),
      });
      // A newer read (another drop, another option) started meanwhile: its result wins.
      if (readNumber !== reads) return void result.images.dispose();
      images = result.images;
      Object.assign(state, { files: files.length, read: result.names.length, skipped, shape: images.shape, error: null });
      ui.train.disabled = false;
      const skippedText =
        skipped.length === 0
          ? ''
          : `; skipped ${skipped.length} that are not images (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})`;
      setStatus(`read ${result.names.length} images as ${images.shape.slice(1).join(' x ')}${skippedText}; press Train`);
    } catch (error) {
      if (readNumber !== reads) return;
      Object.assign(state, { files: files.length, read: 0, skipped, shape: [] });
      fail('could not read the images', error);
    } finally {
      state.tensors = tf.memory().numTensors;
    }
  }

  async function train(): Promise<void> {
    if (images == null) return;
    const data = images;
    vae?.dispose();
    vae = imageVae(data, 0);
    const model = vae;
    controller = new AbortController();
    Object.assign(state, { epoch: 0, steps: 0, losses: [], training: true, error: null });
    [ui.train.disabled, ui.stop.disabled] = [true, false];
    const epochs = Math.max(1, Math.round(Number(ui.epochs.value) || 1));
    const show = async () => {
      await showImageResults(model, data, ui.reconstructions, ui.samples);
      state.shown++;
    };
    try {
      const result = await trainOnImages(model, data, {
        epochs,
        signal: controller.signal,
        onBatch: ({ epoch, steps, loss }) => {
          state.steps = steps;
          state.losses.push(loss);
          setStatus(`epoch ${epoch + 1} of ${epochs}, batch ${steps}: -ELBO ${loss.toFixed(1)} nats per image`);
        },
        onEpoch: async (epoch) => {
          state.epoch = epoch;
          await show();
        },
      });
      if (result.aborted) await show();
      setStatus(
        `${result.aborted ? 'stopped' : 'done'} after ${plural(result.epochs, 'epoch', 'epochs')} (${plural(state.steps, 'batch', 'batches')}) on ${state.read} images`,
      );
    } catch (error) {
      fail('training failed', error);
    } finally {
      state.training = false;
      state.tensors = tf.memory().numTensors;
      controller = null;
      [ui.train.disabled, ui.stop.disabled] = [false, true];
    }
  }

  const take = (picked: File[]) => {
    files = picked;
    if (files.length === 0) return setStatus('no files in that drop');
    void read();
  };

  // A drop that misses the zone would make the browser open the file in place of the page.
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());
  ui.input.addEventListener('change', () => take(Array.from(ui.input.files ?? [])));
  ui.drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  ui.drop.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.drop.classList.remove('over');
    ui.input.value = ''; // the picker no longer shows what is used
    if (event.dataTransfer) filesFromDrop(event.dataTransfer).then(take, (error) => fail('could not read the drop', error));
  });
  for (const option of [ui.size, ui.channels, ui.fit]) option.addEventListener('change', () => files.length > 0 && void read());
  ui.train.addEventListener('click', () => {
    training ??= train().finally(() => (training = null));
  });
  ui.stop.addEventListener('click', () => controller?.abort());
  ui.input.disabled = false;
  setStatus('drop images or a folder here, or pick files');
  (globalThis as unknown as { ownImages: OwnImagesState }).ownImages = state;
  return state;
}
