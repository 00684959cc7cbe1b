import type { CliReader } from '../context.js';
import { type CliIo, EXIT, type ExitCode, printJson } from '../output.js';
import { describeTargets, formatTargets } from '../targets.js';

/**
 * `clever-sync health`: authenticates to Clever now (not from a cache) and checks SessionDb, with the
 * same report as GET /api/health/clever-auth, headed by which Clever and SessionDb it checked (a
 * "healthy" from the built-in emulator says nothing about a district). Exit 0 healthy, 2 degraded,
 * 1 unhealthy.
 */
export async function runHealth(
  services: CliReader,
  options: { json?: boolean | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const report = await services.app.cleverAuthHealth.refresh();
  await services.session?.ping();
  // A fresh install has no SessionDb file until the first sync creates it: nothing is wrong.
  const sessionDatabase = services.session ? 'reachable' : 'not created yet (the first sync creates it)';
  const exitCode =
    report.status === 'healthy' ? EXIT.ok : report.status === 'degraded' ? EXIT.partial : EXIT.failure;
  const using = describeTargets(services.app.config, services.emulator);
  if (options.json) {
    printJson(io, { ...report, sessionDatabase, using });
    return exitCode;
  }
  const lines = [
    formatTargets(using, ['clever', 'sessionDatabase']),
    '',
    `Clever authentication: ${report.status}${report.mode ? ` (${report.mode})` : ''}${services.emulator ? ' (the built-in emulator, not your district)' : ''}`,
    `  districts connected: ${report.districts.count ?? 'unknown'}${report.districts.disconnected.length > 0 ? `, disconnected: ${report.districts.disconnected.join(', ')}` : ''}`,
    `  last successful authentication: ${report.lastSuccessfulAuthenticationAt ?? 'never'}`,
    `  Key Vault: ${report.keyVault.state}`,
    `  SessionDb: ${sessionDatabase}`,
    ...report.reasons.map((reason) => `  - ${reason}`),
    ...(report.lastError ? [`  last error: ${report.lastError.code}: ${report.lastError.message}`] : []),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return exitCode;
}
