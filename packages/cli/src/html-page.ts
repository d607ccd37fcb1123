const CSS = `
:root { --ink: #1d1d1f; --muted: #6e6e73; --line: #e5e5ea; --accent: #3b5bdb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 2rem 1.5rem 1.2rem; background: white; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 .3rem; font-size: 1.8rem; letter-spacing: -0.02em; }
header p { margin: .2rem 0; color: var(--muted); max-width: 60rem; }
nav ol { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; padding: 0; margin: 1rem 0 0; list-style: none; }
nav a { color: var(--accent); text-decoration: none; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
section { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 1.2rem 1.6rem 1.6rem; margin: 1.5rem 0; }
section h2 { margin: .2rem 0 .8rem; font-size: 1.4rem; }
figure { margin: 1rem 1.2rem 1rem 0; display: inline-table; vertical-align: top; }
figcaption { display: table-caption; caption-side: bottom; font-size: .88rem; color: var(--muted); margin-top: .3rem; }
figure img { display: block; image-rendering: pixelated; border-radius: 4px; max-width: 100%; }
figure svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .7rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, monospace; font-size: .9em; background: #f4f5f8; padding: 0 .25em; border-radius: 3px; }
.note { border-left: 3px solid var(--accent); padding: .2rem .9rem; background: #f6f8ff; }
footer { color: var(--muted); font-size: .85rem; text-align: center; padding: 2rem; }
`;

/** One section of the report: an id for links, a title and its HTML. */
export interface Section {
  id: string;
  title: string;
  html: string;
}

/**
 * Escapes text for HTML.
 * @example
 * ```ts
 * escapeHtml('<b>'); // '&lt;b&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * A figure of a PNG as a data: URI.
 * @example
 * ```ts
 * const html = pngFigure(png, 'samples from the prior', 'samples.png');
 * ```
 */
export function pngFigure(png: Buffer, caption: string, file: string): string {
  return `<figure><img src="data:image/png;base64,${png.toString('base64')}" alt="${escapeHtml(caption)}"><figcaption>${escapeHtml(caption)} <code>${escapeHtml(file)}</code></figcaption></figure>`;
}

/**
 * One self-contained HTML page: styles inline, charts as inline SVG, images as data: URIs.
 * @example
 * ```ts
 * const html = renderPage('elbo run', ['conv-vae on photos'], [{ id: 'a', title: 'A', html: '<p>a</p>' }]);
 * ```
 */
export function renderPage(title: string, lines: readonly string[], sections: readonly Section[]): string {
  const toc = sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('');
  const body = sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<nav><ol>${toc}</ol></nav>
</header>
<main>
${body}
</main>
<footer>Written by <code>elbo train</code> (@elbo/cli).</footer>
</body>
</html>
`;
}
