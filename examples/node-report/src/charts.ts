import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** The look every chart of the report shares (Vega-Lite `config`). */
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#eee', domainColor: '#999', tickColor: '#999' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', offset: 8 },
  range: { category: { scheme: 'tableau10' } },
} as const;

/** A Vega-Lite spec without the `$schema` and `config` boilerplate. */
export type ChartSpec = Omit<TopLevelSpec, '$schema' | 'config'> & Record<string, unknown>;

/**
 * Compiles a Vega-Lite spec with Vega-Lite and renders it to an SVG string
 * with Vega's headless renderer (no canvas, no browser).
 */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as TopLevelSpec;
  const compiled = vl.compile(full).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Throws when any number in `rows` is not finite, so a NaN never reaches a chart silently. */
export function assertFiniteRows(what: string, rows: readonly Record<string, unknown>[]): void {
  rows.forEach((row, i) => {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new Error(`${what}: ${key} is ${value} in row ${i}; the report shows finite numbers only`);
      }
    }
  });
}
