/**
 * Just enough of the WebAssembly binary format to write small SIMD kernels
 * that work directly on the wasm backend's memory: one function per module,
 * importing `env.memory`. The kernels (fused Adam, matMul) are assembled at
 * run time from these pieces, so no toolchain or binary ships with elbo.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export const uleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

/** Signed LEB128 (the immediates of i32.const). */
export const sleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const text = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instructions, as byte arrays to splice into a body. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  end: [0x0b],
  simd: (code: number) => [0xfd, ...uleb(code)],
  v128Load: (offset = 0) => [0xfd, 0x00, 4, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 4, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  /** f32x4 with every lane equal to lane `lane` of the operand (an i8x16.shuffle of it with itself). */
  f32x4SplatLane: (lane: number) => [0xfd, 0x0d, ...[0, 1, 2, 3].flatMap(() => [0, 1, 2, 3].map((b) => 4 * lane + b))],
  f32x4Splat: [0xfd, 0x13],
  f32x4Sqrt: [0xfd, 0xe3, 0x01],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Sub: [0xfd, 0xe5, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f32x4Div: [0xfd, 0xe7, 0x01],
  f32x4Max: [0xfd, 0xe9, 0x01],
};

/**
 * A module of one exported function `name(params) -> ()` with `locals`
 * (as [count, type] pairs) and `code` (without the final `end`), importing
 * `env.memory`, plain or shared (threaded builds use shared memory).
 */
export function moduleBytes(name: string, params: number[], locals: [number, number][], code: number[], sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const type = vec([[0x60, ...vec(params.map((p) => [p])), 0]]);
  const limits = sharedMemory ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const imports = vec([[...text('env'), ...text('memory'), 0x02, ...limits]]);
  const body = [...vec(locals.map(([count, t]) => [...uleb(count), t])), ...code, ...op.end];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type),
    ...section(2, imports),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...text(name), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/** Instantiates one such module on `memory`; null where the engine has no wasm SIMD or refuses it. */
export function instantiateKernel<F>(name: string, bytes: (shared: boolean) => Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): F | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const code = bytes(shared);
  if (!WebAssembly.validate(code)) return null;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(code), { env: { memory } }).exports[name] as F;
  } catch {
    return null;
  }
}
