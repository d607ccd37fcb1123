import { tridiagonalize, tridiagonalQL, inverseIteration, applyQ } from './src/tridiagonal';
const n = 784;
const a = new Float64Array(n * n);
let s = 1;
const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = r(); a[i*n+j]=v; a[j*n+i]=v; }
let t0 = 0; let t: any;
for (let rep=0; rep<4; rep++) { t0 = performance.now();
 t = tridiagonalize(a.slice(), n);
console.log('tri', (performance.now() - t0) / 1000); }
const d = t.d.slice(); tridiagonalQL(d, t.e.slice());
const order = Array.from(d.keys()).sort((i, j) => d[j]! - d[i]!);
t0 = performance.now();
const zs = [];
for (let j = 0; j < 20; j++) zs.push(inverseIteration(t.d, t.e, d[order[j]!]!, [], j + 1, 20));
console.log('inv', (performance.now() - t0) / 1000);
t0 = performance.now();
for (const z of zs) applyQ(t, z.slice());
console.log('applyQ', (performance.now() - t0) / 1000);
