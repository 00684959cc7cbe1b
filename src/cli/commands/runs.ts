import type { SyncRunRecord } from '../../db/index.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { RUN_ID_PATTERN, toRunView } from '../../runs/index.js';
import type { CliServices } from '../context.js';
import {
  type CliIo,
  EXIT,
  type ExitCode,
  exitCodeForStatus,
  formatDuration,
  formatTable,
  printJson,
} from '../output.js';

export interface RunsCommandOptions {
  last: number;
  id?: string | undefined;
  json?: boolean | undefined;
}

/** `clever-sync runs`: recent sync runs from SessionDb (any trigger, any instance), or one run in detail. */
export async function runRuns(
  services: CliServices,
  options: RunsCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  const { session } = services.sync;
  if (options.id !== undefined) {
    if (!RUN_ID_PATTERN.test(options.id)) throw new ValidationError(`"${options.id}" is not a run id`);
    const run = await session.runs.get(options.id);
    if (!run) throw new NotFoundError(`No sync run ${options.id}`);
    const view = toRunView(run);
    if (options.json) printJson(io, view);
    else io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return view.finished ? exitCodeForStatus(view.status) : EXIT.ok;
  }
  const runs = await session.runs.listRecent(options.last);
  if (options.json) {
    printJson(
      io,
      runs.map((run) => toRunView(run)),
    );
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.stdout.write('No sync runs recorded yet. Start one with `clever-sync sync`.\n');
    return EXIT.ok;
  }
  io.stdout.write(`${formatTable(RUN_HEADERS, runs.map(runRow))}\n`);
  return EXIT.ok;
}

const RUN_HEADERS = [
  'run',
  'status',
  'scope',
  'trigger',
  'started (UTC)',
  'duration',
  'schools',
  'failed',
  'processed',
  'created',
  'updated',
  'archived',
];

function runRow(run: SyncRunRecord) {
  const end = run.completedAt ?? new Date();
  const scope = run.scopeId === null ? run.scope : `${run.scope} ${run.scopeId}`;
  return [
    run.runId,
    `${run.status}${run.dryRun ? ' (dry)' : ''}`,
    scope,
    run.trigger,
    run.startedAt.toISOString().replace('T', ' ').slice(0, 19),
    run.completedAt ? formatDuration(end.getTime() - run.startedAt.getTime()) : 'running',
    `${run.schoolsCompleted + run.schoolsFailed}/${run.schoolsTotal}`,
    run.schoolsFailed,
    run.counts.processed,
    run.counts.created,
    run.counts.updated,
    run.counts.archived,
  ];
}
