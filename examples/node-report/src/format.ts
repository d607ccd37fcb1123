/** Escapes text for HTML. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Formats a number with `digits` significant figures; throws on NaN or
 * infinity so that a broken figure stops the report instead of printing "NaN".
 */
export function num(value: number, digits = 3, what = 'value'): string {
  if (!Number.isFinite(value)) throw new Error(`${what} is ${value}; the report prints finite numbers only`);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

/** A small HTML table from a header row and body rows (cells are already HTML). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = header.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A formula or code block. */
export function math(text: string): string {
  return `<pre class="math">${esc(text)}</pre>`;
}
