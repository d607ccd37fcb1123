// A minimal PNG writer for the browser tests (8-bit RGBA, no filtering), so the
// test images and their exact pixels come from Node, independent of the browser.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG of `width x height` from `rgba` (4 bytes a pixel, rows top first). */
export function encodePng(width: number, height: number, rgba: ArrayLike<number>): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: rgba must hold ${width * height * 4} bytes, got ${rgba.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    rows[y * (1 + width * 4)] = 0; // filter type None
    for (let i = 0; i < width * 4; i++) rows[y * (1 + width * 4) + 1 + i] = rgba[y * width * 4 + i]!;
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** A PNG whose pixel (x, y) is `at(x, y)`, `[r, g, b, a]`. */
export function pngOf(width: number, height: number, at: (x: number, y: number) => readonly number[]): Buffer {
  const rgba: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.push(...at(x, y));
  return encodePng(width, height, rgba);
}
