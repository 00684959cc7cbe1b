import type { CliServices } from '../context.js';
import { type CliIo, EXIT, type ExitCode, printJson } from '../output.js';

/**
 * `clever-sync health`: authenticates to Clever now (not from a cache) and checks SessionDb, with the
 * same report as GET /api/health/clever-auth. Exit 0 healthy, 2 degraded, 1 unhealthy.
 */
export async function runHealth(
  services: CliServices,
  options: { json?: boolean | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const report = await services.app.cleverAuthHealth.refresh();
  await services.sync.session.ping();
  const exitCode =
    report.status === 'healthy' ? EXIT.ok : report.status === 'degraded' ? EXIT.partial : EXIT.failure;
  if (options.json) {
    printJson(io, { ...report, sessionDatabase: 'reachable' });
    return exitCode;
  }
  const lines = [
    `Clever authentication: ${report.status}${report.mode ? ` (${report.mode})` : ''}`,
    `  districts connected: ${report.districts.count ?? 'unknown'}${report.districts.disconnected.length > 0 ? `, disconnected: ${report.districts.disconnected.join(', ')}` : ''}`,
    `  last successful authentication: ${report.lastSuccessfulAuthenticationAt ?? 'never'}`,
    `  Key Vault: ${report.keyVault.state}`,
    '  SessionDb: reachable',
    ...report.reasons.map((reason) => `  - ${reason}`),
    ...(report.lastError ? [`  last error: ${report.lastError.code}: ${report.lastError.message}`] : []),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return exitCode;
}
