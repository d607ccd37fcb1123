import { bayes } from '@elbo/prob';
import { assertFiniteRows, renderChart } from '../charts';
import type { Section, SectionResult } from '../context';
import { svgHtml } from '../figures';
import { math, num, table } from '../format';

const STUDENTS = 20;
const GIRLS = 5;

export const bayesSection: Section = {
  id: 'bayes',
  title: "Bayes' rule: evidence moves belief",
  async run(): Promise<SectionResult> {
    // Hypothesis i: "student i has the flu". One of the 20 has it; student 1 is ABC, a girl.
    const students = Array.from({ length: STUDENTS }, (_, i) => ({ id: i + 1, sex: i < GIRLS ? 'girl' : 'boy' }));
    const prior = students.map(() => 1 / STUDENTS);
    const girlSeen = bayes({ prior, likelihood: students.map((s) => (s.sex === 'girl' ? 1 : 0)) });
    const boySeen = bayes({ prior, likelihood: students.map((s) => (s.sex === 'boy' ? 1 : 0)) });
    const abc = { prior: prior[0]!, girl: girlSeen.posterior[0]!, boy: boySeen.posterior[0]! };

    // A noisy test instead of certain evidence: the posterior moves, but not all the way.
    const test = { sensitivity: 0.9, falsePositive: 0.2 };
    const noisy = bayes({ prior: [0.05, 0.95], likelihood: [test.sensitivity, test.falsePositive] });

    const rows = students.flatMap((s, i) => [
      { student: s.id, sex: s.sex, stage: '1. prior P(h)', p: prior[i]! },
      { student: s.id, sex: s.sex, stage: '2. posterior P(h | the sick one is a girl)', p: girlSeen.posterior[i]! },
    ]);
    assertFiniteRows('bayes chart', rows);
    const svg = await renderChart({
      data: { values: rows },
      facet: {
        row: {
          field: 'stage',
          type: 'nominal',
          title: null,
          header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelAnchor: 'start', labelFontSize: 12 },
        },
      },
      spec: {
        width: 560,
        height: 110,
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          x: { field: 'student', type: 'ordinal', title: 'student (1 = ABC)', axis: { labelAngle: 0 } },
          y: { field: 'p', type: 'quantitative', title: 'probability of flu', scale: { domain: [0, 0.25] } },
          color: { field: 'sex', type: 'nominal', title: null, scale: { domain: ['girl', 'boy'], range: ['#e8590c', '#1c7ed6'] } },
          tooltip: [{ field: 'student' }, { field: 'p', format: '.3f' }],
        },
      },
      resolve: { scale: { y: 'shared' } },
    });

    const html = `
<p>Twenty students, one of them has the flu. Before we know anything, each student &mdash; ABC among them &mdash; is the sick one with probability 1/20: the <b>prior</b>. Then evidence arrives: the sick student is a girl, and there are ${GIRLS} girls and ${STUDENTS - GIRLS} boys. <code>bayes({ prior, likelihood })</code> from <code>@elbo/prob</code> reweighs every hypothesis by how well it explains the evidence:</p>
${math('P(h | e) = P(e | h) P(h) / P(e),      P(e) = sum_h P(e | h) P(h)')}
${table(
  ['', 'P(ABC has flu)'],
  [
    ['prior (no evidence)', num(abc.prior)],
    ['the sick one is a girl (ABC is a girl)', `<b>${num(abc.girl)}</b> &mdash; up from ${num(abc.prior)}`],
    ['the sick one is a boy', `${num(abc.boy)} &mdash; ruled out`],
  ],
)}
<p>The evidence has probability P(e) = ${num(girlSeen.evidence)} (5 of 20). The posterior mass of the boys moves onto the girls:</p>
${svgHtml({ file: 'bayes-posterior.svg', svg, caption: 'Prior and posterior over "student i has the flu" after learning that the sick student is a girl.' })}
<h3>When the evidence is uncertain</h3>
<p>A flu test that catches ${num(test.sensitivity * 100)}% of cases but also flags ${num(test.falsePositive * 100)}% of healthy students, on a student with prior 0.05: a positive result lifts the probability of flu to <b>${num(noisy.posterior[0]!)}</b>, not to 0.9. With a rare hypothesis, most positives come from the many healthy students.</p>`;
    return {
      title: this.title,
      html,
      pngs: [],
      svgs: [{ file: 'bayes-posterior.svg', svg, caption: 'prior and posterior over the 20 students' }],
      summary: [
        `P(ABC has flu): prior ${num(abc.prior)} -> ${num(abc.girl)} if the sick one is a girl, ${num(abc.boy)} if a boy`,
        `noisy test (90% / 20%) on prior 0.05: positive -> ${num(noisy.posterior[0]!)}`,
      ],
    };
  },
};
