import { packageBuild } from '../../tooling/tsup.shared.ts';

// replica-worker is the program workerThreads() (src/node.ts) starts in each worker thread.
export default packageBuild({ entry: ['src/index.ts', 'src/node.ts', 'src/replica-worker.ts'] });
