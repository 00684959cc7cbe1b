import type { CleverApiMetrics } from '../../clever/api/index.js';
import { parseSyncRequest } from '../../runs/index.js';
import type { CliServices } from '../context.js';
import { type CliIo, type ExitCode, exitCodeForStatus, printJson } from '../output.js';
import { createProgressDisplay } from '../progress.js';
import { buildSyncReport, formatSyncReport, type SyncReport } from '../sync-summary.js';
import { describeTargets, formatTargets } from '../targets.js';

export interface SyncCommandOptions {
  district?: string | undefined;
  school?: string | undefined;
  full?: boolean | undefined;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  json?: boolean | undefined;
}

/**
 * `clever-sync sync`: one run in this process with live progress on a TTY, then the summary table
 * (or `--json`). Exit code 0 Succeeded, 2 PartiallySucceeded/Held, 1 Failed.
 */
export async function runSync(
  services: CliServices,
  options: SyncCommandOptions,
  io: CliIo,
): Promise<{ exitCode: ExitCode; report: SyncReport }> {
  const using = describeTargets(services.app.config, services.emulator);
  if (!options.json)
    io.stdout.write(`${formatTargets(using, ['clever', 'sessionDatabase', 'schoolDatabases'])}\n\n`);
  const outcome = await executeSync(services, options, io);
  if (options.json) printJson(io, { ...outcome.report, using });
  else io.stdout.write(`${formatSyncReport(outcome.report)}\n`);
  return outcome;
}

/** Runs the sync with progress on the TTY; prints nothing else. */
export async function executeSync(
  services: CliServices,
  options: SyncCommandOptions,
  io: CliIo,
): Promise<{ exitCode: ExitCode; report: SyncReport }> {
  const request = parseSyncRequest({
    schoolId: options.school,
    districtId: options.district,
    full: options.full ?? false,
    dryRun: options.dryRun ?? false,
    force: options.force ?? false,
  });
  const { cleverApi, launcher } = services.sync;
  // The client lives as long as the services (the demo runs twice): report this run's share.
  const before = cleverApi.metrics();
  const metrics = () => subtractMetrics(cleverApi.metrics(), before);
  const progress = createProgressDisplay(io, metrics);
  const launched = await launcher.launch(request, 'cli', (p) => progress.update(p));
  if (!launched.done) throw new Error('a CLI run always runs in process');
  const result = await launched.done;
  progress.stop();
  const report = buildSyncReport(result, metrics());
  return { exitCode: exitCodeForStatus(result.status), report };
}

function subtractMetrics(now: CleverApiMetrics, before: CleverApiMetrics): CleverApiMetrics {
  const delta = { ...now };
  for (const key of Object.keys(delta) as (keyof CleverApiMetrics)[]) delta[key] = now[key] - before[key];
  return delta;
}
