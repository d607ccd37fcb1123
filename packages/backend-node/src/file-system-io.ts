import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const SCHEME = 'file://';
const MODEL_JSON = 'model.json';

/** Bytes per element of each weight dtype tfjs writes. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

/**
 * A tfjs IO handler that saves a model as `model.json` + one weights file in
 * the directory `path`, and loads it back.
 *
 * Saving never leaves half a model: weights go to a new, uniquely named file,
 * `model.json` is written to a temporary file and renamed over the old one
 * (atomic on POSIX), and only then is the previous weights file removed. A
 * path that cannot be written throws an error naming it, and leaves an
 * existing model there untouched.
 *
 * @example
 * ```ts
 * await model.save(fileSystem('/tmp/my-model'));   // or 'file:///tmp/my-model' once selectBackend() ran
 * ```
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`fileSystem path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const dir = resolve(path.startsWith(SCHEME) ? path.slice(SCHEME.length) : path);
  return {
    save: (artifacts) => saveModel(dir, artifacts),
    load: () => loadModel(dir),
  };
}

async function saveModel(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('fileSystem save: binary model topologies are not supported; expected a JSON topology');
  }
  const weightData = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
    Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData],
  );
  const id = randomBytes(6).toString('hex');
  const weightsFile = `weights-${id}.bin`;
  const modelJSON = toModelJSON(artifacts, { paths: [weightsFile], weights: artifacts.weightSpecs ?? [] });
  const previous = await readModelJSON(dir).catch(() => null);
  const tmpModel = join(dir, `.${MODEL_JSON}.${id}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, weightsFile), new Uint8Array(weightData));
    await writeFile(tmpModel, JSON.stringify(modelJSON));
    await rename(tmpModel, join(dir, MODEL_JSON));
  } catch (error) {
    await rm(tmpModel, { force: true }).catch(() => {});
    await rm(join(dir, weightsFile), { force: true }).catch(() => {});
    throw new Error(`cannot save the model to ${dir}: ${(error as Error).message}`);
  }
  const stale = (previous?.weightsManifest ?? []).flatMap((group) => group.paths).filter((p) => p !== weightsFile);
  await Promise.all(stale.map((p) => rm(join(dir, p), { force: true }).catch(() => {})));
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: weightData.byteLength,
    },
  };
}

async function readModelJSON(dir: string): Promise<tf.io.ModelJSON> {
  const file = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot load a model from ${dir}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`cannot load a model from ${dir}: ${file} is not valid JSON (${(error as Error).message})`);
  }
}

async function loadModel(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelJSON = await readModelJSON(dir);
  if (modelJSON.weightsManifest == null) {
    throw new Error(`cannot load a model from ${dir}: ${MODEL_JSON} has no weightsManifest`);
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers: ArrayBuffer[] = [];
    for (const path of manifest.flatMap((group) => group.paths)) {
      const file = join(dir, path);
      const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot load a model from ${dir}: weights file ${file} cannot be read (${error.code ?? error.message})`);
      });
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    const expected = specs.reduce((sum, spec) => sum + expectedBytes(spec), 0);
    if (data.byteLength !== expected) {
      throw new Error(
        `cannot load a model from ${dir}: weights hold ${data.byteLength} bytes but ${MODEL_JSON} describes ${expected} (truncated or mismatched weights file)`,
      );
    }
    return [specs, data];
  });
}

function expectedBytes(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const bytes = spec.quantization != null ? DTYPE_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
  if (bytes == null) throw new Error(`weight "${spec.name}" has unsupported dtype ${spec.quantization?.dtype ?? spec.dtype}`);
  return size * bytes;
}

let routerRegistered = false;

/**
 * Makes `file://` URLs work with `model.save(url)` and loaders, unless
 * another handler (tfjs-node's) already serves them.
 */
export function registerFileSystemRouter(): void {
  if (routerRegistered) return;
  routerRegistered = true;
  if (tf.io.getSaveHandlers(`${SCHEME}probe`).length > 0) return;
  // tfjs routers answer null for URLs they do not serve, though the type says otherwise.
  const router = ((url: string | string[]) =>
    typeof url === 'string' && url.startsWith(SCHEME) ? fileSystem(url) : null) as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}

/** model.json's content: the artifacts' JSON fields with one weights group. */
function toModelJSON(artifacts: tf.io.ModelArtifacts, group: tf.io.WeightsManifestConfig[number]): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as {},
    weightsManifest: [group],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
  return json;
}
