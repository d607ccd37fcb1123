// Small canvas drawings: the explorer's plots need hover and click, which a
// static chart library does not give for free.

/** Tableau 10, the report's palette, one colour per digit. */
export const DIGIT_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Draws a 28x28 image (values in [0, 1], dark ink on white) scaled to fill the canvas. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round(255 - 235 * Math.min(1, Math.max(0, pixels[i]!)));
    image.data.set([g, g, Math.min(255, g + 6), 255], i * 4);
  }
  const tile = document.createElement('canvas');
  tile.width = 28;
  tile.height = 28;
  tile.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
}

export interface LossSeries {
  loss: number[];
  reconstruction: number[];
  kl: number[];
}

/** A line chart of the loss per batch, with its two terms. */
export function drawLoss(canvas: HTMLCanvasElement, series: LossSeries): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const pad = { left: 44, right: 10, top: 10, bottom: 24 };
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  const n = series.loss.length;
  if (n === 0) {
    ctx.fillStyle = '#999';
    ctx.fillText('press Train', width / 2 - 30, height / 2);
    return;
  }
  const all = [...series.loss, ...series.kl];
  const hi = Math.max(...all.slice(Math.min(3, n - 1)), 1);
  const x = (i: number) => pad.left + ((width - pad.left - pad.right) * i) / Math.max(1, n - 1);
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - Math.min(v, hi) / hi);
  ctx.strokeStyle = '#eee';
  ctx.fillStyle = '#666';
  for (let k = 0; k <= 4; k++) {
    const v = (hi * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y(v));
    ctx.lineTo(width - pad.right, y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(0), 4, y(v) + 4);
  }
  ctx.fillText(`batch ${n}`, width - pad.right - 60, height - 6);
  const lines: [number[], string, string][] = [
    [series.loss, '#1c7ed6', '-ELBO'],
    [series.reconstruction, '#2b8a3e', 'reconstruction'],
    [series.kl, '#e8590c', 'KL'],
  ];
  lines.forEach(([values, color, label], j) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(`${label} ${values[values.length - 1]!.toFixed(1)}`, pad.left + 8 + j * 130, pad.top + 12);
  });
}

/** Maps between latent coordinates and canvas pixels of the latent map. */
export class MapFrame {
  constructor(
    readonly size: number,
    readonly extent: number,
  ) {}
  toPixel(z1: number, z2: number): [number, number] {
    return [((z1 + this.extent) / (2 * this.extent)) * this.size, ((this.extent - z2) / (2 * this.extent)) * this.size];
  }
  toLatent(px: number, py: number): [number, number] {
    return [(px / this.size) * 2 * this.extent - this.extent, this.extent - (py / this.size) * 2 * this.extent];
  }
}

/** Draws the test digits at their latent means, coloured by label, and an optional marker. */
export function drawMap(
  canvas: HTMLCanvasElement,
  frame: MapFrame,
  z: ArrayLike<number>,
  labels: Uint8Array,
  marker?: [number, number],
): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#eee';
  for (let v = -Math.floor(frame.extent); v <= frame.extent; v++) {
    const [px] = frame.toPixel(v, 0);
    const [, py] = frame.toPixel(0, v);
    ctx.beginPath();
    ctx.moveTo(px, 0);
    ctx.lineTo(px, canvas.height);
    ctx.moveTo(0, py);
    ctx.lineTo(canvas.width, py);
    ctx.stroke();
  }
  ctx.globalAlpha = 0.8;
  for (let i = 0; i < labels.length; i++) {
    const [px, py] = frame.toPixel(z[2 * i]!, z[2 * i + 1]!);
    ctx.fillStyle = DIGIT_COLORS[labels[i]!]!;
    ctx.beginPath();
    ctx.arc(px, py, 2.6, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  if (marker) {
    const [px, py] = frame.toPixel(marker[0], marker[1]);
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(px - 8, py);
    ctx.lineTo(px + 8, py);
    ctx.moveTo(px, py - 8);
    ctx.lineTo(px, py + 8);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
}
