import * as tf from '@tensorflow/tfjs-core';
import type { ReportContext, Section, SectionResult } from '../context';
import { esc, num, table } from '../format';

/** Median milliseconds of a 128x784 @ 784x400 matMul, the VAE's first layer on one batch. */
function matMulMs(): number {
  const a = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
  const b = tf.randomUniform([784, 400], -0.05, 0.05, 'float32', 2);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return times[3]!;
}

export const backendSection: Section = {
  id: 'backend',
  title: 'The machine: which TensorFlow.js backend',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { name, reason, tried } = ctx.backend;
    const ms = matMulMs();
    const gflops = (2 * 128 * 784 * 400) / (ms * 1e6);
    const rows = tried.map((t) => [
      `<code>${esc(t.name)}</code>`,
      t.ok ? (t.name === name ? '<b>chosen</b>' : 'works') : 'passed over',
      esc(t.ok ? '' : (t.error ?? '')),
    ]);
    const html = `
<p><code>selectBackend()</code> from <code>@elbo/backend-node</code> tries native TensorFlow, then WebAssembly, then plain JavaScript, and keeps the first that works. Every tensor below was computed on <b><code>${esc(name)}</code></b>: ${esc(reason)}</p>
${table(['backend', 'outcome', 'why'], rows)}
<p>One batch through the VAE's first layer (128&times;784 @ 784&times;400 matMul) takes ${num(ms)} ms here, about ${num(gflops)} GFLOP/s. TensorFlow.js ${esc(tf.version_core)}.</p>`;
    return {
      title: this.title,
      html,
      pngs: [],
      summary: [`${name}: ${reason}`, `128x784 @ 784x400 matMul: ${num(ms)} ms (${num(gflops)} GFLOP/s)`],
    };
  },
};
