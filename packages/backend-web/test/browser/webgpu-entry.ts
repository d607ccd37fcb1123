// The test page with the WebGPU backend loaded, as an app that wants WebGPU
// does (the adapter never imports the optional peer into a bundle itself).
// A named import: the package's `sideEffects` would let esbuild drop a bare one.
import '@tensorflow/tfjs-backend-webgpu';
import { runScenario } from './page-entry';

(globalThis as { runScenario?: typeof runScenario }).runScenario = runScenario;
