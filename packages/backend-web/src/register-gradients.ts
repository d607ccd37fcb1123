// The one place this package registers tfjs-core's gradient functions and
// chained ops. tfjs-core's published bundles register neither, so without
// this `tf.grad` and every optimizer throw "gradient function not found for
// Add" and `x.square()` is undefined. In browsers and bundlers these ESM
// modules load directly; they write into tfjs-core's global registries, which
// every copy of the library shares. A side effect, so this file (bundled into
// dist/index.*) is covered by package.json `sideEffects`.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
