import { crossEntropy, entropy, information, jsDivergence, klDivergence } from '@elbo/prob';
import { assertFiniteRows, renderChart } from '../charts';
import type { Section, SectionResult, SvgFigure } from '../context';
import { svgHtml } from '../figures';
import { math, num, table } from '../format';

const EVENTS = [
  { event: 'Virat scores a century (likely)', p: 0.95 },
  { event: 'Kenya wins the cricket world cup (rare)', p: 0.001 },
  { event: 'tomorrow it rains or it does not (certain)', p: 1 },
];

const grid = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

export const informationSection: Section = {
  id: 'information',
  title: 'Information, entropy and KL divergence',
  async run(): Promise<SectionResult> {
    // 1. Information content: rare events carry more information.
    const events = EVENTS.map((e) => ({ ...e, nats: information(e.p), bits: information(e.p, { base: 2 }) }));
    const curve = grid(200, 0.001, 1).map((p) => ({ p, bits: information(p, { base: 2 }) }));
    assertFiniteRows('information curve', curve);
    const infoSvg = await renderChart({
      width: 300,
      height: 200,
      title: 'information -log2 p of one event',
      layer: [
        {
          data: { values: curve },
          mark: { type: 'line', color: '#555' },
          encoding: {
            x: { field: 'p', type: 'quantitative', title: 'probability p' },
            y: { field: 'bits', type: 'quantitative', title: 'bits' },
          },
        },
        {
          data: { values: events.map((e) => ({ p: e.p, bits: e.bits, label: e.event.split(' (')[1]!.replace(')', '') })) },
          layer: [
            { mark: { type: 'point', filled: true, size: 70, color: '#e8590c' } },
            {
              mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 11 },
              encoding: { text: { field: 'label' } },
              transform: [{ filter: "datum.label !== 'certain'" }],
            },
            {
              mark: { type: 'text', align: 'right', dx: -4, dy: -10, fontSize: 11 },
              encoding: { text: { field: 'label' } },
              transform: [{ filter: "datum.label === 'certain'" }],
            },
          ],
          encoding: { x: { field: 'p', type: 'quantitative' }, y: { field: 'bits', type: 'quantitative' } },
        },
      ],
    });

    // 2. Entropy: the average information. A fair coin is the most uncertain.
    const coins = [
      { name: 'fair coin', p: 0.5 },
      { name: 'loaded coin', p: 0.9 },
    ].map((c) => ({ ...c, bits: entropy([c.p, 1 - c.p], { base: 2 }) }));
    const hCurve = grid(201, 0, 1).map((p) => ({ p, bits: entropy([p, 1 - p], { base: 2 }) }));
    assertFiniteRows('entropy curve', hCurve);
    const entropySvg = await renderChart({
      width: 300,
      height: 200,
      title: 'entropy of a coin with P(heads) = p',
      layer: [
        {
          data: { values: hCurve },
          mark: { type: 'line', color: '#555' },
          encoding: {
            x: { field: 'p', type: 'quantitative', title: 'P(heads)' },
            y: { field: 'bits', type: 'quantitative', title: 'bits' },
          },
        },
        {
          data: { values: coins },
          layer: [
            { mark: { type: 'point', filled: true, size: 70, color: '#1c7ed6' } },
            { mark: { type: 'text', align: 'right', dx: -8, dy: -4, fontSize: 11 }, encoding: { text: { field: 'name' } } },
          ],
          encoding: { x: { field: 'p', type: 'quantitative' }, y: { field: 'bits', type: 'quantitative' } },
        },
      ],
    });

    // 3. KL is not symmetric, and not bounded by 1.
    const p = [0.5, 0.5];
    const q = [0.9, 0.1];
    const kl = { pq: klDivergence(p, q), qp: klDivergence(q, p), js: jsDivergence(p, q), hp: entropy(p), hpq: crossEntropy(p, q) };
    const klCurve = grid(99, 0.01, 0.99).flatMap((t) => [
      { t, nats: klDivergence(p, [t, 1 - t]), which: 'KL(p || q)' },
      { t, nats: klDivergence([t, 1 - t], p), which: 'KL(q || p)' },
      { t, nats: jsDivergence(p, [t, 1 - t]), which: 'JS(p, q)' },
    ]);
    assertFiniteRows('KL curve', klCurve);
    const klSvg = await renderChart({
      width: 340,
      height: 200,
      title: 'p = fair coin, q = coin with P(heads) = t',
      data: { values: klCurve },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 't' },
        y: { field: 'nats', type: 'quantitative', title: 'nats' },
        color: {
          field: 'which',
          type: 'nominal',
          title: null,
          scale: { domain: ['KL(p || q)', 'KL(q || p)', 'JS(p, q)'], range: ['#e8590c', '#1c7ed6', '#2b8a3e'] },
        },
      },
    });

    const svgs: SvgFigure[] = [
      { file: 'information-content.svg', svg: infoSvg, caption: 'Information of an event: rare events carry more.' },
      {
        file: 'information-entropy.svg',
        svg: entropySvg,
        caption: 'Entropy of a coin: 1 bit when fair, less when loaded, 0 when certain.',
      },
      {
        file: 'information-kl.svg',
        svg: klSvg,
        caption: 'KL(p || q) and KL(q || p) differ for every t; both grow without bound near t = 0 or 1. JS stays below log 2.',
      },
    ];
    const html = `
<p>The information in an event is <code>-log p</code>: a likely event tells little, a rare one a lot, a certain one nothing. Entropy is its average, <code>H(p) = -sum p log p</code>. Computed with <code>information</code> and <code>entropy</code> from <code>@elbo/prob</code>:</p>
${table(
  ['event', 'p', 'information (nats)', 'information (bits)'],
  events.map((e) => [e.event, num(e.p), num(e.nats), num(e.bits)]),
)}
${svgHtml(svgs[0]!)}${svgHtml(svgs[1]!)}
<p>A fair coin carries <b>${num(coins[0]!.bits)} bit</b> per toss; a coin loaded to 90% heads only <b>${num(coins[1]!.bits)} bits</b>: its outcome is easier to guess.</p>
<h3>KL divergence is not a distance</h3>
${math('KL(p || q) = sum_x p(x) log(p(x) / q(x)) = H(p, q) - H(p)      (>= 0, unbounded above, not symmetric)')}
<p>For p = fair coin (${p.join(', ')}) and q = loaded coin (${q.join(', ')}):</p>
${table(
  ['quantity', 'nats'],
  [
    ['cross-entropy H(p, q)', num(kl.hpq, 4)],
    ['entropy H(p)', num(kl.hp, 4)],
    ['<b>KL(p || q)</b> = H(p, q) - H(p)', `<b>${num(kl.pq, 4)}</b>`],
    ['<b>KL(q || p)</b>', `<b>${num(kl.qp, 4)}</b>`],
    ['Jensen-Shannon JS(p, q) (symmetric, at most log 2)', num(kl.js, 4)],
  ],
)}
${svgHtml(svgs[2]!)}
<p class="note">The VAE's loss uses exactly this quantity between the encoder's Gaussian q(z|x) and the prior N(0, I): KL is 0 only when they agree, and it is not bounded by 1.</p>`;
    return {
      title: this.title,
      html,
      pngs: [],
      svgs,
      summary: [
        `information: likely (p=0.95) ${num(events[0]!.bits)} bits, rare (p=0.001) ${num(events[1]!.bits)} bits, certain 0 bits`,
        `entropy: fair coin ${num(coins[0]!.bits)} bit, loaded (0.9) ${num(coins[1]!.bits)} bits`,
        `KL(fair || loaded) = ${num(kl.pq, 4)} nats, KL(loaded || fair) = ${num(kl.qp, 4)} nats: not symmetric`,
      ],
    };
  },
};
