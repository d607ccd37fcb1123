#!/usr/bin/env node
// `pnpm demo`: the report from Bayes' rule to the VAE. See README.md and --help.
import { main } from './main';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
