import { describe, expect, it } from 'vitest';
import { assertBackend, assertGradientsRegistered, MISSING_BACKEND_MESSAGE } from './index';

describe('assertBackend', () => {
  it('names selectBackend when no backend is registered, and passes when one is', () => {
    expect(() => assertBackend('mnist', () => [])).toThrow(`mnist: ${MISSING_BACKEND_MESSAGE}`);
    expect(MISSING_BACKEND_MESSAGE).toContain("import { selectBackend } from '@elbo/backend-node'");
    expect(() => assertBackend('mnist', () => ['cpu'])).not.toThrow();
    expect(() => assertBackend('mnist')).not.toThrow(); // the test set-up selected one
  });

  it('sits beside the gradient check, which names selectBackend too', () => {
    expect(() => assertGradientsRegistered('fit', () => undefined)).toThrow(/fit: no gradient functions are registered.*selectBackend/);
  });
});
