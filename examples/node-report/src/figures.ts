import type { PngFigure, SvgFigure } from './context';
import { esc } from './format';

/** The HTML of a PNG figure, inlined as a data: URI. */
export function pngHtml(figure: PngFigure): string {
  const src = `data:image/png;base64,${figure.png.toString('base64')}`;
  return `<figure><img src="${src}" alt="${esc(figure.caption)}"><figcaption>${esc(figure.caption)} <span class="file">${esc(figure.file)}</span></figcaption></figure>`;
}

/** The HTML of a chart, its SVG inlined. */
export function svgHtml(figure: SvgFigure): string {
  const svg = figure.svg.replace(/^<\?xml[^>]*>/, '');
  return `<figure class="chart">${svg}<figcaption>${esc(figure.caption)} <span class="file">${esc(figure.file)}</span></figcaption></figure>`;
}
