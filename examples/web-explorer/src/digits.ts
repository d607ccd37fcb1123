/** The digits the explorer works on, as made by scripts/digits.mjs. */
export interface Digits {
  train: Float32Array;
  test: Float32Array;
  trainLabels: Uint8Array;
  testLabels: Uint8Array;
  nTrain: number;
  nTest: number;
}

/** Fetches public/digits.bin (grey levels as bytes) and scales it to [0, 1]. */
export async function loadDigits(base: string): Promise<Digits> {
  const meta = (await (await fetch(`${base}digits.json`)).json()) as { train: number; test: number; pixels: number };
  const response = await fetch(`${base}digits.bin`);
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status} (run \`pnpm --filter web-explorer digits\`)`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const d = meta.pixels;
  const expected = (meta.train + meta.test) * (d + 1);
  if (bytes.length !== expected) throw new Error(`digits.bin has ${bytes.length} bytes, expected ${expected}`);
  const scale = (from: number, n: number) => Float32Array.from(bytes.subarray(from, from + n), (v) => v / 255);
  const testStart = meta.train * d;
  const labelsStart = (meta.train + meta.test) * d;
  return {
    train: scale(0, meta.train * d),
    test: scale(testStart, meta.test * d),
    trainLabels: bytes.slice(labelsStart, labelsStart + meta.train),
    testLabels: bytes.slice(labelsStart + meta.train, labelsStart + meta.train + meta.test),
    nTrain: meta.train,
    nTest: meta.test,
  };
}
