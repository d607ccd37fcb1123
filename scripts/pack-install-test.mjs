// Installs packed packages, one scenario at a time, into fresh projects outside
// the workspace with npm, and runs a small program against each, so a
// `workspace:` range, a file missing from `files` or an undeclared dependency
// fails here instead of for the first user.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { packAll, root } from './pack-packages.mjs';

const TFJS = '4.22.0';

/** Each scenario: the elbo packages installed (from tarballs), extra npm specs, files to write, and programs that must exit 0. */
const scenarios = [
  {
    name: '@elbo/prob alone, on tfjs-core + the cpu backend',
    elbo: ['@elbo/prob'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`, `@tensorflow/tfjs-backend-cpu@${TFJS}`],
    programs: {
      'esm.mjs': `
        import '@tensorflow/tfjs-backend-cpu';
        import * as tf from '@tensorflow/tfjs-core';
        import { entropy, Normal } from '@elbo/prob';
        await tf.setBackend('cpu');
        const h = entropy([0.5, 0.5], { base: 2 });
        if (Math.abs(h - 1) > 1e-6) throw new Error('entropy of a fair coin is ' + h + ' bits, expected 1');
        const lp = new Normal({ loc: 0, scale: 1 }).logProb(0).dataSync()[0];
        if (Math.abs(lp + 0.5 * Math.log(2 * Math.PI)) > 1e-5) throw new Error('N(0,1) log density at 0 is ' + lp);
      `,
      'cjs.cjs': `
        const { entropy } = require('@elbo/prob');
        if (typeof entropy !== 'function') throw new Error('require("@elbo/prob") has no entropy');
      `,
    },
  },
  {
    name: '@elbo/nn with @elbo/prob, on tfjs-core + the cpu backend: a stack, its config and its weights',
    elbo: ['@elbo/nn', '@elbo/prob'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`, `@tensorflow/tfjs-backend-cpu@${TFJS}`],
    programs: {
      'esm.mjs': `
        import '@tensorflow/tfjs-backend-cpu';
        import * as tf from '@tensorflow/tfjs-core';
        import { mlp, layerFromConfig, flatten, linear, sequential } from '@elbo/nn';
        await tf.setBackend('cpu');
        const net = sequential([flatten(), linear({ inputDim: 6, outputDim: 2, activation: 'relu' })], { inputShape: [2, 3] });
        if (net.apply(tf.ones([4, 2, 3])).shape.join() !== '4,2') throw new Error('output shape');
        const twin = layerFromConfig(mlp([3, 4, 2]).getConfig());
        if (twin.weightSpecs().map((s) => s.name).join() !== 'layer0/kernel,layer0/bias,layer1/kernel,layer1/bias') throw new Error('weight names');
      `,
      'cjs.cjs': `
        const { mlp, registeredLayerKinds } = require('@elbo/nn');
        if (typeof mlp !== 'function' || !registeredLayerKinds().includes('Linear')) throw new Error('require("@elbo/nn") is missing its layers');
      `,
    },
  },
  {
    name: '@elbo/backend-node alone, selecting wasm from the installed package',
    elbo: ['@elbo/backend-node'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`],
    programs: {
      'esm.mjs': `
        import * as tf from '@tensorflow/tfjs-core';
        import { selectBackend } from '@elbo/backend-node';
        const s = await selectBackend({ prefer: ['wasm'], fallback: false });
        if (s.name !== 'wasm' || tf.getBackend() !== 'wasm') throw new Error(JSON.stringify(s));
        const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2])).arraySync();
        if (g[0] !== 2 || g[1] !== 4) throw new Error('gradient ' + g);
      `,
    },
  },
  {
    name: '@elbo/datasets with @elbo/prob (its one dependency of ours): the MNIST sample and lines, in ESM and CJS',
    elbo: ['@elbo/datasets', '@elbo/prob'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`, `@tensorflow/tfjs-backend-cpu@${TFJS}`],
    programs: {
      'esm.mjs': `
        import '@tensorflow/tfjs-backend-cpu';
        import * as tf from '@tensorflow/tfjs-core';
        import { mnist, lines } from '@elbo/datasets';
        await tf.setBackend('cpu');
        const data = await mnist();
        if (data.train.images.shape.join() !== '8000,784' || data.test.images.shape.join() !== '2000,784') throw new Error('mnist shapes');
        data.dispose();
        const l = lines({ n: 4, size: 16, seed: 1 });
        if (l.images.shape.join() !== '4,256') throw new Error('lines shape ' + l.images.shape);
        l.dispose();
      `,
      'cjs.cjs': `
        const { mnistArrays } = require('@elbo/datasets');
        const { readNpy } = require('@elbo/datasets/node');
        if (typeof mnistArrays !== 'function' || typeof readNpy !== 'function') throw new Error('CJS exports missing');
      `,
    },
  },
  {
    name: '@elbo/vae with what it needs (its @elbo dependencies and a backend), training a small VAE',
    elbo: ['@elbo/vae', '@elbo/nn', '@elbo/prob', '@elbo/backend-node'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`],
    programs: {
      'esm.mjs': `
        import * as tf from '@tensorflow/tfjs-core';
        import { selectBackend } from '@elbo/backend-node';
        import { VAE, mlp } from '@elbo/vae';
        await selectBackend({ prefer: ['wasm'] });
        const x = tf.randomUniform([64, 16], 0, 1, 'float32', 3);
        const vae = new VAE({ encoder: mlp([16, 8, 4], { seed: 0 }), decoder: mlp([2, 8, 16], { seed: 1 }), latentDim: 2, likelihood: 'bernoulli' });
        const { history } = await vae.fit(x, { epochs: 10, batchSize: 16, learningRate: 0.01, seed: 0 });
        const losses = history.loss;
        if (!losses.every(Number.isFinite) || !(losses.at(-1) < losses[0])) throw new Error('loss did not go down: ' + losses);
        const samples = vae.sample(5, { seed: 1 });
        if (samples.shape.join() !== '5,16') throw new Error('sample shape ' + samples.shape);
      `,
      // the worker program must be found and started from the installed package
      'parallel.mjs': `
        import * as tf from '@tensorflow/tfjs-core';
        import { selectBackend } from '@elbo/backend-node';
        import { VAE, mlp } from '@elbo/vae';
        import { workerThreads } from '@elbo/vae/node';
        await selectBackend({ prefer: ['wasm'] });
        const x = tf.randomUniform([64, 16], 0, 1, 'float32', 3);
        const vae = new VAE({ encoder: mlp([16, 8, 4], { seed: 0 }), decoder: mlp([2, 8, 16], { seed: 1 }), latentDim: 2, likelihood: 'bernoulli' });
        const setup = { module: import.meta.resolve('@elbo/backend-node'), export: 'selectBackend', options: { prefer: ['wasm'], fallback: false } };
        const { history } = await vae.fit(x, { epochs: 5, batchSize: 16, learningRate: 0.01, seed: 0, parallel: workerThreads({ workers: 1, setup }) });
        if (!(history.loss.at(-1) < history.loss[0])) throw new Error('parallel loss did not go down: ' + history.loss);
      `,
    },
  },
  {
    name: '@elbo/autoencoder and @elbo/linear with what they need, training each',
    elbo: ['@elbo/autoencoder', '@elbo/linear', '@elbo/nn', '@elbo/prob', '@elbo/backend-node'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`],
    programs: {
      'esm.mjs': `
        import * as tf from '@tensorflow/tfjs-core';
        import { selectBackend } from '@elbo/backend-node';
        import { Autoencoder, mlp } from '@elbo/autoencoder';
        import { LinearAutoencoder } from '@elbo/linear';
        await selectBackend({ prefer: ['wasm'] });
        const x = tf.randomUniform([64, 16], 0, 1, 'float32', 3);
        const ae = new Autoencoder({ encoder: mlp([16, 8, 2], { seed: 0 }), decoder: mlp([2, 8, 16], { seed: 1 }) });
        const { history } = await ae.fit(x, { epochs: 10, batchSize: 16, learningRate: 0.01 });
        if (!(history.loss.at(-1) < history.loss[0])) throw new Error('autoencoder loss did not go down: ' + history.loss);
        const lin = new LinearAutoencoder({ inputDim: 16, latentDim: 2 });
        const h2 = await lin.fit(x, { epochs: 10, batchSize: 16, learningRate: 0.01 });
        if (!(h2.history.loss.at(-1) < h2.history.loss[0])) throw new Error('linear AE loss did not go down: ' + h2.history.loss);
      `,
      'cjs.cjs': `
        const { Autoencoder, mlp } = require('@elbo/autoencoder');
        const { PCA, Linear } = require('@elbo/linear');
        if (typeof Autoencoder !== 'function' || typeof mlp !== 'function' || typeof PCA !== 'function' || typeof Linear !== 'function') throw new Error('CJS exports missing');
      `,
    },
  },
  {
    // Vite's dev server rewrites no URL inside a dependency: the .wasm files were looked for next to
    // the pre-bundled module, got the HTML fallback page, and the app fell back to cpu.
    name: "@elbo/backend-web in a fresh Vite app under Vite's dev server (not a build), in Chromium: wasm with no configuration",
    elbo: ['@elbo/backend-web'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`, `vite@${devDependencyRange('examples/web-explorer', 'vite')}`],
    files: {
      'index.html': '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>',
      'main.js': `
        import * as tf from '@tensorflow/tfjs-core';
        import { selectBackend } from '@elbo/backend-web';
        globalThis.result = selectBackend({ prefer: ['wasm'], fallback: false }).then(
          (s) => ({ name: s.name, sum: tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0] }),
          (error) => ({ error: String(error) }),
        );
      `,
    },
    programs: {
      'dev-server.mjs': `
        import { createServer } from 'vite';
        import { chromium } from ${JSON.stringify(join(root, 'node_modules', 'playwright-core', 'index.mjs'))};
        const server = await createServer({ root: process.cwd(), logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
        await server.listen();
        const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
        try {
          const page = await browser.newPage();
          await page.goto(server.resolvedUrls.local[0]);
          const result = await page.evaluate(() => globalThis.result);
          if (result.name !== 'wasm' || result.sum !== 6) throw new Error('under vite dev: ' + JSON.stringify(result));
        } finally {
          await browser.close();
          await server.close();
        }
      `,
    },
  },
  {
    name: '@elbo/cli: npx elbo --help, a one-epoch elbo train on a few PNGs, and elbo sample, from the tarballs; its README programs',
    elbo: ['@elbo/cli', '@elbo/vae', '@elbo/autoencoder', '@elbo/linear', '@elbo/datasets', '@elbo/nn', '@elbo/prob', '@elbo/backend-node'],
    npm: [],
    programs: {
      ...readmePrograms('cli'),
      'cli.mjs': `
        import { execFileSync } from 'node:child_process';
        import { mkdirSync, readFileSync } from 'node:fs';
        import sharp from 'sharp'; // a dependency of @elbo/cli, so installed with it
        mkdirSync('imgs/a', { recursive: true });
        for (let i = 0; i < 12; i++) {
          const raw = Buffer.alloc(20 * 20 * 3, 255);
          for (let p = 0; p < 40 + i * 10; p++) raw.set([200, 30 + 15 * i, 90], ((p * 7 + i) % 400) * 3);
          await sharp(raw, { raw: { width: 20, height: 20, channels: 3 } }).png().toFile('imgs/' + (i % 2 ? 'a/' : '') + i + '.png');
        }
        const npx = (...args) => execFileSync('npx', ['--no-install', 'elbo', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        if (!npx('--help').includes('Exit codes')) throw new Error('npx elbo --help does not list the exit codes');
        npx('train', 'imgs', '--model', 'conv-vae', '--size', '16', '--epochs', '1', '--out', 'run', '--quiet');
        const run = JSON.parse(readFileSync('run/run.json', 'utf8'));
        if (run.format !== 'elbo-run' || run.kind !== 'conv-vae' || run.source.images !== 12 || run.history.loss.length !== 1) throw new Error('run.json: ' + JSON.stringify(run));
        if (!readFileSync('run/report.html', 'utf8').includes('data:image/png;base64,')) throw new Error('report.html has no images');
        npx('sample', 'run', '-n', '4', '--out', 'g.png');
        const { width, height } = await sharp('g.png').metadata();
        if (width !== 2 * 16 + 3 * 2 || height !== width) throw new Error('g.png is ' + width + 'x' + height);
      `,
    },
  },
];

/** The version range a workspace package's package.json gives a dev dependency (so the scenario tests what we build with). */
function devDependencyRange(folder, name) {
  return JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).devDependencies[name];
}

/**
 * Every whole program among a package's README examples (a ```ts block that starts with an import;
 * the others are fragments continuing one), as a new user pastes it into a fresh npm project (types
 * stripped by esbuild, as their bundler or tsx would): the examples cannot rot.
 */
function readmePrograms(folder) {
  const readme = readFileSync(join(root, 'packages', folder, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.startsWith('import '));
  if (blocks.length === 0) throw new Error(`packages/${folder}/README.md has no \`\`\`ts program`);
  return Object.fromEntries(blocks.map((code, i) => [`readme-${i}.mjs`, transformSync(code, { loader: 'ts', format: 'esm' }).code]));
}

/** Each model and data package's README programs, with what their install lines name. */
for (const [folder, elbo, extraNpm] of [
  ['prob', ['@elbo/prob']],
  ['nn', ['@elbo/nn', '@elbo/prob']],
  ['datasets', ['@elbo/datasets', '@elbo/prob'], [`sharp@${devDependencyRange('packages/datasets', 'sharp')}`]], // its README's install line for images
  ['linear', ['@elbo/linear', '@elbo/datasets', '@elbo/nn', '@elbo/prob']],
  ['autoencoder', ['@elbo/autoencoder', '@elbo/nn', '@elbo/prob']],
  ['vae', ['@elbo/vae', '@elbo/datasets', '@elbo/nn', '@elbo/prob']],
]) {
  scenarios.push({
    name: `the @elbo/${folder} README examples, as pasted into a fresh npm project`,
    elbo: [...elbo, '@elbo/backend-node'],
    npm: [`@tensorflow/tfjs-core@${TFJS}`, ...(extraNpm ?? [])],
    programs: readmePrograms(folder),
  });
}

const work = mkdtempSync(join(tmpdir(), 'elbo-pack-install-'));
let passed = 0;
let failed = 0;
try {
  const tarballs = packAll(work);
  // PACK_INSTALL_ONLY=<words> runs the scenarios whose name contains them (while working on one)
  const only = process.env.PACK_INSTALL_ONLY;
  for (const scenario of scenarios.filter((x) => only == null || x.name.includes(only))) {
    const project = mkdtempSync(join(work, 'project-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    try {
      const specs = [...scenario.elbo.map((name) => tarballs[name]), ...scenario.npm];
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], {
        cwd: project,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      for (const [file, source] of Object.entries(scenario.files ?? {})) writeFileSync(join(project, file), source);
      for (const [file, source] of Object.entries(scenario.programs)) {
        writeFileSync(join(project, file), source);
        execFileSync('node', [file], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      }
      console.log(`ok   ${scenario.name}`);
      passed++;
    } catch (error) {
      console.log(
        `FAIL ${scenario.name}\n${String(error.stderr ?? error.message)
          .trim()
          .replace(/^/gm, '     ')}`,
      );
      failed++;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`pack-install: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
