import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const SCHEME = 'file://';
const MODEL_JSON = 'model.json';
/** The weights files this handler writes: `weights-<12 hex digits>.bin`. */
const OWN_WEIGHTS = /^weights-[0-9a-f]{12}\.bin$/;

/** Bytes per element of each weight dtype tfjs writes. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

/**
 * A tfjs IO handler that saves a model as `model.json` + one weights file in
 * the folder `path`, and loads it back. `path` names the folder, or the
 * `model.json` inside it (the form tfjs-node's own handler takes), with or
 * without `file://`: both work for save and load.
 *
 * Saving never leaves half a model: weights go to a new, uniquely named file,
 * `model.json` is written to a temporary file and renamed over the old one
 * (atomic on POSIX), and only then are the weights files no longer named by
 * it removed. A path that cannot be written rejects with the path and the
 * operating system's reason, and leaves an existing model there untouched.
 *
 * A model file is untrusted: the weights files its manifest names must lie
 * inside the folder (no absolute paths, no `..`, no link that leads out of
 * it), or loading rejects naming the path, and reads nothing else.
 *
 * @example
 * ```ts
 * await model.save(fileSystem('/tmp/my-model'));   // or 'file:///tmp/my-model/model.json' once selectBackend() ran
 * ```
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`fileSystem path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const target = resolve(path.startsWith(SCHEME) ? path.slice(SCHEME.length) : path);
  if (target.endsWith('.json') && basename(target) !== MODEL_JSON) {
    throw new Error(`fileSystem path must name a model folder or the ${MODEL_JSON} inside it, got ${JSON.stringify(path)}`);
  }
  const dir = basename(target) === MODEL_JSON ? dirname(target) : target;
  return {
    save: (artifacts) => saveModel(dir, artifacts),
    load: () => loadModel(dir),
  };
}

async function saveModel(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('fileSystem save: binary model topologies are not supported; expected a JSON topology');
  }
  const weightData =
    artifacts.weightData == null
      ? new ArrayBuffer(0)
      : tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
  const id = randomBytes(6).toString('hex');
  const weightsFile = `weights-${id}.bin`;
  const modelJSON = toModelJSON(artifacts, { paths: [weightsFile], weights: artifacts.weightSpecs ?? [] });
  const previous = await readModelJSON(dir).catch(() => null);
  const tmpModel = join(dir, `.${MODEL_JSON}.${id}.tmp`);
  try {
    await makeFolder(dir);
    await writeFile(join(dir, weightsFile), new Uint8Array(weightData));
    await writeFile(tmpModel, JSON.stringify(modelJSON));
    await rename(tmpModel, join(dir, MODEL_JSON));
  } catch (error) {
    await rm(tmpModel, { force: true }).catch(() => {});
    await rm(join(dir, weightsFile), { force: true }).catch(() => {});
    throw new Error(`cannot save the model to ${dir}: ${(error as Error).message}`);
  }
  await removeStaleWeights(dir, weightsFile, previous);
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
    await insideFolder(dir, file, MODEL_JSON);
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot load a model from ${dir}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
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
      const file = await weightsFileInside(dir, path);
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

/**
 * The file a manifest path names, if it lies inside `dir`: a relative path
 * without `..` whose real location (links followed) is still inside the
 * folder. Anything else rejects, naming the path: a model file must never
 * make elbo read outside its folder.
 */
async function weightsFileInside(dir: string, path: unknown): Promise<string> {
  const bad = (why: string): never => {
    throw new Error(
      `cannot load a model from ${dir}: ${MODEL_JSON} names the weights file ${JSON.stringify(path)}, ${why}; nothing was read`,
    );
  };
  if (typeof path !== 'string' || path === '') return bad('expected a file name inside the model folder');
  if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return bad('an absolute path (weights must lie inside the model folder)');
  if (path.split(/[\\/]/).includes('..')) return bad('a path with ".." (weights must lie inside the model folder)');
  const file = resolve(dir, path);
  if (!file.startsWith(dir + sep)) return bad('outside the model folder');
  await insideFolder(dir, file, path).catch((error: Error) => bad(error.message));
  return file;
}

/** Rejects when `file`, links followed, is not inside the real `dir` (a missing file passes: reading it fails later, naming it). */
async function insideFolder(dir: string, file: string, name: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return;
  }
  const realDir = await realpath(dir);
  if (!real.startsWith(realDir + sep)) throw new Error(`${name} is a link that leads out of the model folder (to ${real})`);
}

/**
 * After the new model.json is in place: removes the weights files the previous
 * model.json named (when they lie inside the folder) and any weights file of
 * this handler's own naming that the new one does not name (left by a save
 * that was killed), so repeated saves leave one weights file.
 */
async function removeStaleWeights(dir: string, current: string, previous: tf.io.ModelJSON | null): Promise<void> {
  const named = (previous?.weightsManifest ?? []).flatMap((group) => group.paths);
  const own = await readdir(dir).then(
    (names) => names.filter((n) => OWN_WEIGHTS.test(n)),
    () => [] as string[],
  );
  const stale = new Set<string>();
  for (const path of [...named, ...own]) {
    if (path === current) continue;
    const file = await weightsFileInside(dir, path).catch(() => null);
    if (file != null) stale.add(file);
  }
  await Promise.all([...stale].map((file) => rm(file, { force: true }).catch(() => {})));
}

/**
 * `mkdir -p` one folder at a time. Node's recursive mkdir never settles where
 * a folder that exists answers ENOENT (under /proc), so saving there would hang.
 */
async function makeFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    const found = await stat(current).then(
      (s) => s,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return null;
      },
    );
    if (found != null) {
      if (!found.isDirectory()) throw new Error(`${current} is not a folder`);
      break;
    }
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
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
  const router = ((url: string | string[]) => (typeof url === 'string' && url.startsWith(SCHEME) ? fileSystem(url) : null)) as Parameters<
    typeof tf.io.registerSaveRouter
  >[0];
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
