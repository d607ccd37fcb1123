// Selects the backend a vitest project runs on (ELBO_TEST_BACKEND), once per worker,
// and fails loudly if it is not the one asked for: a test that silently ran on
// another backend would prove nothing about the one it names.
import { selectBackend } from '@elbo/backend-node';

const wanted = process.env.ELBO_TEST_BACKEND ?? 'cpu';
const selection = await selectBackend({ prefer: [wanted as 'cpu'], fallback: false });
if (selection.name !== wanted) {
  throw new Error(`test backend "${wanted}" was asked for but "${selection.name}" was selected: ${selection.reason}`);
}
