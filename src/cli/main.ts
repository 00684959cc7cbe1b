#!/usr/bin/env node
/**
 * Entry point of the `clever-sync` command (npm bin, `npm run cli --`, `npm run sync`, `npm run demo`,
 * `npm run serve`). The process environment is handed to configuration here, as the Functions host
 * hands it to the app; everything else lives in program.ts.
 */
import { processEnvironment } from '../config/index.js';
import { processIo } from './output.js';
import { runCli } from './program.js';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

const exitCode = await runCli(process.argv.slice(2), {
  io: processIo,
  env: processEnvironment(),
  stopSignal,
});
// Flush stdout before exiting: piped output (e.g. `--json | jq`) is written asynchronously.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(exitCode);
