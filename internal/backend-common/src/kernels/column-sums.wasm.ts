// Generated from column-sums.wat by `pnpm --filter @elbo/backend-common generate` (wabt): do not edit.
import type { KernelModule } from '../kernel-module';

export const columnSumsWasm: KernelModule = {
  source: 'column-sums.wat',
  exportName: 'columnSums',
  flags: ['shared'],
  variants: {
    'base': 'AGFzbQEAAAABCAFgBH9/f38AAg8BA2VudgZtZW1vcnkCAAADAgEABw4BCmNvbHVtblN1bXMAAApbAVkBAn8CQANAIAQgAk8NAUEAIQUCQANAIAUgA08NASABIAVqIAEgBWr9AAQAIAAgBWr9AAQA/eQB/QsEACAFQRBqIQUMAAsLIAAgA2ohACAEQQFqIQQMAAsLCw==',
    'shared': 'AGFzbQEAAAABCAFgBH9/f38AAhIBA2VudgZtZW1vcnkCAwCAgAQDAgEABw4BCmNvbHVtblN1bXMAAApbAVkBAn8CQANAIAQgAk8NAUEAIQUCQANAIAUgA08NASABIAVqIAEgBWr9AAQAIAAgBWr9AAQA/eQB/QsEACAFQRBqIQUMAAsLIAAgA2ohACAEQQFqIQQMAAsLCw==',
  },
};
