import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee', domainColor: '#999', tickColor: '#999' },
  range: { category: { scheme: 'tableau10' } },
} as const;

/**
 * Renders a Vega-Lite spec to an SVG string, headless (no canvas, no browser).
 * @example
 * ```ts
 * const svg = await renderChart({ data: { values: [{ x: 1, y: 2 }] }, mark: 'line', encoding: { x: { field: 'x' }, y: { field: 'y' } } });
 * ```
 */
export async function renderChart(spec: Record<string, unknown>): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(full).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Loss curves: one line per history key (train and validation), one panel per quantity.
 * @example
 * ```ts
 * const svg = await lossChart({ loss: [3, 2], valLoss: [3.1, 2.2] });
 * ```
 */
export async function lossChart(history: Record<string, number[]>): Promise<string> {
  const rows: { epoch: number; value: number; quantity: string; split: string }[] = [];
  for (const [key, values] of Object.entries(history)) {
    const validation = key.startsWith('val');
    const quantity = validation ? key.slice(3, 4).toLowerCase() + key.slice(4) : key;
    if (!['loss', 'reconstruction', 'kl'].includes(quantity)) continue;
    values.forEach((value, i) => {
      if (Number.isFinite(value)) rows.push({ epoch: i + 1, value, quantity, split: validation ? 'validation' : 'train' });
    });
  }
  return renderChart({
    data: { values: rows },
    facet: { column: { field: 'quantity', type: 'nominal', title: null } },
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: 'nats per image', scale: { zero: false } },
        color: { field: 'split', type: 'nominal', title: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  });
}
