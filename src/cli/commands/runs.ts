import { existsSync } from 'node:fs';
import { describeDatabase } from '../../db/index.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { cliForceHint, loadRunView, RUN_ID_PATTERN, type RunView } from '../../runs/index.js';
import { type CliReader, DEMO_DATABASE_SETTINGS } from '../context.js';
import {
  type Cell,
  type CliIo,
  EXIT,
  type ExitCode,
  exitCodeForStatus,
  formatDuration,
  formatTable,
  printJson,
} from '../output.js';
import { formatGlance } from '../run-glance.js';
import { formatAttention } from '../sync-summary.js';
import { describeTargets, formatTargets } from '../targets.js';

export interface RunsCommandOptions {
  last: number;
  id?: string | undefined;
  /** Only the runs the nightly timer started. */
  nightly?: boolean | undefined;
  json?: boolean | undefined;
}

/** How many recent runs are read to find `--last` nightly ones among manual and CLI runs. */
const NIGHTLY_LOOKBACK = 10;

/**
 * `clever-sync runs`: recent sync runs from SessionDb (any trigger, any instance) with a glance at
 * each school across them, or one run in detail (per-school progress, what needs attention).
 */
export async function runRuns(
  services: CliReader,
  options: RunsCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  if (!options.json) {
    io.stdout.write(
      `${formatTargets(describeTargets(services.app.config, undefined), ['sessionDatabase'])}\n\n`,
    );
  }
  const { session } = services;
  if (!session) {
    if (options.id !== undefined)
      throw new NotFoundError(`No sync run ${options.id}: ${noSessionDb(services)}`);
    if (options.json) printJson(io, []);
    else io.stdout.write(`${noRunsMessage(services, options)}\n`);
    return EXIT.ok;
  }
  const view = (run: Parameters<typeof loadRunView>[1]) => loadRunView(session, run, { force: cliForceHint });
  if (options.id !== undefined) {
    if (!RUN_ID_PATTERN.test(options.id)) throw new ValidationError(`"${options.id}" is not a run id`);
    const run = await session.runs.get(options.id);
    if (!run) throw new NotFoundError(`No sync run ${options.id} in SessionDb ${sessionDatabase(services)}`);
    const one = await view(run);
    if (options.json) printJson(io, one);
    else io.stdout.write(`${formatRun(one)}\n`);
    return one.finished ? exitCodeForStatus(one.status) : EXIT.ok;
  }
  const recent = await session.runs.listRecent(
    options.nightly ? options.last * NIGHTLY_LOOKBACK : options.last,
  );
  const runs = await Promise.all(
    recent
      .filter((run) => !options.nightly || run.trigger === 'timer')
      .slice(0, options.last)
      .map(view),
  );
  if (options.json) {
    printJson(io, runs);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.stdout.write(`${noRunsMessage(services, options)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${formatTable(RUN_HEADERS, runs.map(runRow))}\n`);
  const glance = formatGlance(runs);
  if (glance) io.stdout.write(`\n${glance}\n`);
  return EXIT.ok;
}

function sessionDatabase(services: CliReader): string {
  return describeDatabase(services.app.config.database.sessionUrl);
}

function noSessionDb(services: CliReader): string {
  return `the SessionDb ${sessionDatabase(services)} does not exist yet`;
}

/**
 * Nothing recorded here: say where "here" is, and point at the demo's SessionDb when that is where
 * the runs probably are (local.settings.json.example moves the SessionDb to ./data/session.db).
 */
function noRunsMessage(services: CliReader, options: RunsCommandOptions): string {
  const here = sessionDatabase(services);
  const lines = [
    services.session
      ? `No ${options.nightly ? 'nightly (timer) ' : ''}sync runs recorded in SessionDb ${here}. Start one with \`clever-sync sync\`.`
      : `No sync runs recorded: ${noSessionDb(services)}. Start one with \`clever-sync sync\`.`,
  ];
  const demo = describeDatabase(DEMO_DATABASE_SETTINGS.SESSION_DATABASE_URL);
  if (demo !== here && existsSync(demo.replace(/^sqlite:/, ''))) {
    lines.push(
      `The demo's runs are in ${demo}: SESSION_DATABASE_URL=${DEMO_DATABASE_SETTINGS.SESSION_DATABASE_URL} clever-sync runs`,
    );
  }
  return lines.join('\n');
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

function runRow(run: RunView): Cell[] {
  const scope = run.scopeId === null ? run.scope : `${run.scope} ${run.scopeId}`;
  return [
    run.runId,
    `${run.status}${run.dryRun ? ' (dry)' : ''}`,
    scope,
    run.trigger,
    utc(run.startedAt),
    run.finished ? formatDuration(run.durationSeconds * 1_000) : 'running',
    `${run.progress.schoolsCompleted + run.progress.schoolsFailed}/${run.progress.schoolsTotal}`,
    run.progress.schoolsFailed,
    run.counts.processed,
    run.counts.created,
    run.counts.updated,
    run.counts.archived,
  ];
}

/** One run for people: what it was, each school's progress, what needs attention. */
export function formatRun(run: RunView): string {
  const p = run.progress;
  const lines = [
    `Run ${run.runId}: ${run.status}${run.dryRun ? ' (dry run: nothing written)' : ''}` +
      ` - ${run.scopeId === null ? run.scope : `${run.scope} ${run.scopeId}`}, ${run.trigger}${run.full ? ', full' : ''}`,
    `Started ${utc(run.startedAt)} UTC, ${run.finished ? `took ${formatDuration(run.durationSeconds * 1_000)}` : `running for ${formatDuration(run.durationSeconds * 1_000)}`}` +
      ` - schools ${p.schoolsCompleted + p.schoolsFailed}/${p.schoolsTotal} done${p.percent === null ? '' : ` (${p.percent}%)`}, ${p.schoolsFailed} failed`,
  ];
  if (run.schools.length > 0) {
    const rows: Cell[][] = run.schools.map((s) => [
      s.cleverSchoolId,
      s.status,
      s.syncType,
      s.counts.processed,
      s.counts.created,
      s.counts.updated,
      s.counts.archived,
      s.counts.failed,
    ]);
    const headers = ['school', 'status', 'type', 'processed', 'created', 'updated', 'archived', 'failed'];
    lines.push('', formatTable(headers, rows));
  }
  if (run.needsAttention.length > 0) {
    lines.push('', ...formatAttention(run.needsAttention));
  } else if (run.error) {
    lines.push('', `Error: ${run.error}`);
  }
  return lines.join('\n');
}

function utc(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}
