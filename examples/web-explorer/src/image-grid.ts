// Images [n, h, w, c] (values in [0, 1], RGB or grey) drawn as a grid on a canvas, pixel-sharp.

/**
 * Draws `count` images from `pixels` (channels last, `height * width * channels` values each)
 * in a grid `columns` wide, each pixel a `scale` x `scale` square; the canvas is resized to fit.
 * @example
 * ```ts
 * drawImageGrid(canvas, await images.data(), { count: 16, height: 32, width: 32, channels: 3, columns: 8, scale: 3 });
 * ```
 */
export function drawImageGrid(
  canvas: HTMLCanvasElement,
  pixels: ArrayLike<number>,
  {
    count,
    height,
    width,
    channels,
    columns,
    scale,
  }: { count: number; height: number; width: number; channels: number; columns: number; scale: number },
): void {
  const rows = Math.max(1, Math.ceil(count / columns));
  const tile = new ImageData(columns * width, rows * height);
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let i = 0; i < count; i++) {
    const [left, top] = [(i % columns) * width, Math.floor(i / columns) * height];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = ((i * height + y) * width + x) * channels;
        const to = ((top + y) * tile.width + left + x) * 4;
        const grey = channels === 1;
        tile.data[to] = byte(pixels[from]!);
        tile.data[to + 1] = byte(pixels[grey ? from : from + 1]!);
        tile.data[to + 2] = byte(pixels[grey ? from : from + 2]!);
        tile.data[to + 3] = 255;
      }
    }
  }
  const source = document.createElement('canvas');
  [source.width, source.height] = [tile.width, tile.height];
  source.getContext('2d')!.putImageData(tile, 0, 0);
  [canvas.width, canvas.height] = [tile.width * scale, tile.height * scale];
  const context = canvas.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
}
