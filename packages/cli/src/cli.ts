#!/usr/bin/env node
import { main } from './program';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`elbo: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
