import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, NO_MODULES, type WasmBackendInternals } from './install-wasm-kernel';

/**
 * `tf.gather` on the wasm backend as block copies on the heap. Viewing x as
 * [batch, outer, dim, slice] and the indices as [batch, picks], the output
 * [batch, outer, picks, slice] is one copy of `slice` elements per
 * (batch, outer, pick). It replaces tfjs' wasm `GatherV2`, which
 *
 * - computes every output element's source from strides: 2.7 ms for a
 *   shuffled minibatch of 128 rows of 784 floats here, 15% of a VAE step,
 *   where `fit` gathers every minibatch;
 * - reads the wrong memory when `batchDims` > 0 (tfjs 4.22: `gather(x, i, 1, 1)`
 *   returned other rows' values, or leftover bytes).
 *
 * float32, int32 (4 bytes) and bool (1 byte) only; other dtypes take tfjs'
 * kernel. Out-of-range indices throw tfjs' own error before anything is made.
 */
export function installWasmGather(): void {
  installWasmKernel(tf.GatherV2, NO_MODULES, (args, _, original) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const width = x.dtype === 'float32' || x.dtype === 'int32' ? 4 : x.dtype === 'bool' ? 1 : 0;
    if (width === 0) return original(args);
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const b = args.backend as WasmBackendInternals;
    const gatherAxis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const dimSize = x.shape[gatherAxis]!;
    const picked = b.readSync(indices.dataId);
    for (const index of picked) {
      tf.util.assert(index >= 0 && index <= dimSize - 1, () => `GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
    }
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, gatherAxis, batchDims ?? 0);
    const out = b.makeOutput(info.outputShape, x.dtype);
    const picks = picked.length / info.batchSize;
    const slice = info.sliceSize;
    if (picked.length === 0 || tf.util.sizeFromShape(info.outputShape) === 0) return out;
    // Views made after makeOutput: growing the memory detaches older ones.
    const buffer = b.wasm.HEAPF32.buffer;
    const heap = width === 4 ? new Int32Array(buffer) : new Uint8Array(buffer);
    const from = b.dataIdMap.get(x.dataId).memoryOffset / width;
    let to = b.dataIdMap.get(out.dataId).memoryOffset / width;
    for (let batch = 0; batch < info.batchSize; batch++) {
      for (let outer = 0; outer < info.outerSize; outer++) {
        const base = from + (batch * info.outerSize + outer) * dimSize * slice;
        for (let p = 0; p < picks; p++, to += slice) {
          const start = base + picked[batch * picks + p]! * slice;
          if (slice === 1) heap[to] = heap[start]!;
          else heap.copyWithin(to, start, start + slice);
        }
      }
    }
    return out;
  });
}
