import { packageTest } from '../../tooling/vitest.shared.ts';

// Unit tests (src/**/*.test.ts) run in Node on cpu and wasm like every
// package's; the real-browser tests (test/browser) drive Chromium themselves
// and need no Node backend, so they are one more project without the setup.
const config = packageTest();
const nodeProjects = (config.test?.projects ?? []) as Array<{ extends: true; test: Record<string, unknown> }>;

export default {
  ...config,
  test: {
    ...config.test,
    projects: [
      ...nodeProjects.map((project) => ({ ...project, test: { ...project.test, include: ['src/**/*.test.ts'] } })),
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
};
