import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `clever-sync emulator [options]`: the emulator's own command line (the same as `npm run emulator`),
 * run as a child so its options, output and Ctrl-C behave exactly as documented in docs/emulator.md.
 */
export function runEmulatorCommand(args: string[]): Promise<number> {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..', '..', '..');
  const built = join(root, 'emulator', 'cli.js');
  const entry = existsSync(built) ? built : join(root, 'emulator', 'cli.ts');
  // Under tsx, execArgv carries its loader, so the child runs TypeScript the same way.
  const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 0 : 1));
    });
  });
}
