/** Turns measured runs into the summary table (sync beside baseline and floors) and a per-run table. */
import type { JobResult, Provider } from './types.js';

export type ScenarioKey =
  | 'one-school'
  | 'district'
  | 'incremental'
  | 'incremental-few'
  | 'large'
  | 'large-incremental'
  | 'classes';
const SCENARIOS: ScenarioKey[] = [
  'one-school',
  'district',
  'incremental',
  'incremental-few',
  'large',
  'large-incremental',
];
/** sync-users and sync-all: the class-roster scenario's two syncs (SYNC_ENTITIES=students,teachers, and default). */
export type Contender = 'sync' | 'baseline' | 'api-floor' | 'db-floor' | 'sync-users' | 'sync-all';

export interface Extrapolation {
  factor: number;
  measuredSchools: number;
  totalSchools: number;
  measuredWallMs: number;
}

export interface RunRecord {
  scenario: ScenarioKey;
  provider: Provider;
  pageSize: number;
  latencyMs: number;
  contender: Contender;
  result: JobResult;
  /** Requests the emulator answered during the run, and how many of them were 429s. */
  emulatorRequests: number;
  emulator429: number;
  /** Baseline measured on a subset of schools: wall time etc. scaled by `factor`. */
  extrapolated?: Extrapolation;
}

export interface SummaryRow {
  scenario: ScenarioKey;
  provider: Provider;
  pageSize: number;
  latencyMs: number;
  sync?: RunRecord;
  baseline?: RunRecord;
  apiFloor?: RunRecord;
  dbFloor?: RunRecord;
  /** sync wall / max(API floor, DB floor): 1.0 = no time spent beyond the slower floor. */
  overhead?: number;
  /** baseline wall / sync wall. */
  speedup?: number;
}

export const SCENARIO_TITLES: Record<ScenarioKey, string> = {
  'one-school': 'One school (full sync)',
  district: 'Large district (full sync)',
  incremental: 'Incremental (after 1% of users changed)',
  'incremental-few': 'Incremental (then 12 users changed: time proportional to changes)',
  large: 'Largest district: 1,200 schools, 1M students (full sync)',
  'large-incremental': 'Largest district, incremental (after 1% of users changed)',
  classes: 'Class rosters: the district with sections (full sync, users only vs. everything)',
};

/** Wall time as reported: scaled up for a baseline measured on a subset. */
export function wallMs(run: RunRecord): number {
  return run.result.wallMs * (run.extrapolated?.factor ?? 1);
}

function scaled(run: RunRecord, value: number): number {
  return value * (run.extrapolated?.factor ?? 1);
}

export function summarize(runs: RunRecord[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const key = (r: { scenario: string; provider: string; pageSize: number; latencyMs: number }) =>
    `${r.scenario}|${r.provider}|${r.pageSize}|${r.latencyMs}`;
  const byKey = new Map<string, SummaryRow>();
  for (const run of runs.filter((r) => r.contender === 'sync' || r.contender === 'baseline')) {
    let row = byKey.get(key(run));
    if (!row) {
      row = {
        scenario: run.scenario,
        provider: run.provider,
        pageSize: run.pageSize,
        latencyMs: run.latencyMs,
      };
      byKey.set(key(run), row);
      rows.push(row);
    }
    if (run.contender === 'sync') row.sync = run;
    else row.baseline = run;
  }
  for (const row of rows) {
    // The API floor does not depend on the database, the database floor not on paging or latency.
    row.apiFloor = runs.find(
      (r) =>
        r.contender === 'api-floor' &&
        r.scenario === row.scenario &&
        r.pageSize === row.pageSize &&
        r.latencyMs === row.latencyMs,
    );
    row.dbFloor = runs.find(
      (r) => r.contender === 'db-floor' && r.scenario === row.scenario && r.provider === row.provider,
    );
    const floors = [row.apiFloor, row.dbFloor].filter((r) => r?.result.ok).map((r) => wallMs(r!));
    if (row.sync?.result.ok && floors.length > 0) row.overhead = wallMs(row.sync) / Math.max(...floors);
    if (row.sync?.result.ok && row.baseline?.result.ok) row.speedup = wallMs(row.baseline) / wallMs(row.sync);
  }
  return rows;
}

/** One configuration of the class-roster scenario: the same district synced without and with classes. */
export interface ClassesRow {
  provider: Provider;
  pageSize: number;
  latencyMs: number;
  users?: RunRecord;
  all?: RunRecord;
}

export function summarizeClasses(runs: RunRecord[]): ClassesRow[] {
  const rows: ClassesRow[] = [];
  for (const run of runs.filter((r) => r.scenario === 'classes')) {
    let row = rows.find(
      (r) => r.provider === run.provider && r.pageSize === run.pageSize && r.latencyMs === run.latencyMs,
    );
    if (!row) {
      row = { provider: run.provider, pageSize: run.pageSize, latencyMs: run.latencyMs };
      rows.push(row);
    }
    if (run.contender === 'sync-users') row.users = run;
    else if (run.contender === 'sync-all') row.all = run;
  }
  return rows;
}

/** A roster's processed count from a sync run's per-roster counts (detail.byEntity). */
export function processedOf(run: RunRecord | undefined, entity: string): number | undefined {
  const byEntity = run?.result.detail?.byEntity as Record<string, { processed: number }> | undefined;
  return byEntity?.[entity]?.processed;
}

const seconds = (ms: number) =>
  ms >= 100_000 ? (ms / 1000).toFixed(0) : (ms / 1000).toFixed(ms >= 10_000 ? 1 : 2);
const perSecond = (n: number, ms: number) => {
  const v = n / (ms / 1000);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
};
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)}`;
const providerName = (p: Provider) => (p === 'postgresql' ? 'PostgreSQL' : 'SQLite');

function time(run: RunRecord | undefined): string {
  if (!run) return '–';
  if (!run.result.ok) return 'failed';
  return `${run.extrapolated ? '≈' : ''}${seconds(wallMs(run))}`;
}

export function summaryMarkdown(rows: SummaryRow[]): string {
  const out: string[] = [];
  for (const scenario of SCENARIOS) {
    const these = rows.filter((r) => r.scenario === scenario);
    if (these.length === 0) continue;
    out.push(`### ${SCENARIO_TITLES[scenario]}`, '');
    out.push(
      '| DB | page | latency | sync s | records/s | Clever req | RL waits | peak RSS MB | DB rows/s | baseline s | × faster | API floor s | DB floor s | overhead |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of these) {
      const s = row.sync;
      const ok = s?.result.ok === true;
      out.push(
        `| ${providerName(row.provider)} | ${row.pageSize.toLocaleString('en-US')} | ${row.latencyMs} ms | ${time(s)} | ${
          ok ? perSecond(s!.result.records, s!.result.wallMs) : '–'
        } | ${ok ? s!.emulatorRequests.toLocaleString('en-US') : '–'} | ${ok ? s!.result.rateLimitWaits : '–'} | ${
          ok ? mb(s!.result.peakRssBytes) : '–'
        } | ${ok ? perSecond(s!.result.rowsWritten, s!.result.wallMs) : '–'} | ${time(row.baseline)} | ${
          row.speedup === undefined ? '–' : `${row.speedup.toFixed(row.speedup >= 10 ? 0 : 1)}×`
        } | ${time(row.apiFloor)} | ${time(row.dbFloor)} | ${row.overhead === undefined ? '–' : row.overhead.toFixed(2)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** Users only beside everything, per configuration, and what classes add (difference, ratio). */
export function classesMarkdown(rows: ClassesRow[]): string {
  if (rows.length === 0) return '';
  const out = [`### ${SCENARIO_TITLES.classes}`, ''];
  const sample = rows.find((r) => r.all?.result.ok)?.all;
  const sections = processedOf(sample, 'sections');
  const enrollments = processedOf(sample, 'enrollments');
  if (sections !== undefined) {
    out.push(
      `Synced: ${sections.toLocaleString('en-US')} sections, ${(enrollments ?? 0).toLocaleString('en-US')} enrollments (teacher and student links), ${(processedOf(sample, 'courses') ?? 0).toLocaleString('en-US')} courses, ${(processedOf(sample, 'terms') ?? 0).toLocaleString('en-US')} terms (the copies each school keeps of those its sections use).`,
      '',
    );
  }
  out.push(
    '| DB | page | latency | figure | users only | everything | classes add | ratio |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
  );
  for (const row of rows) {
    const u = row.users?.result.ok ? row.users : undefined;
    const a = row.all?.result.ok ? row.all : undefined;
    const figures: [string, (r: RunRecord) => number, (n: number) => string][] = [
      ['wall s', (r) => r.result.wallMs, seconds],
      ['Clever requests', (r) => r.emulatorRequests, (n) => n.toLocaleString('en-US')],
      ['records', (r) => r.result.records, (n) => n.toLocaleString('en-US')],
      ['rows written', (r) => r.result.rowsWritten, (n) => n.toLocaleString('en-US')],
      ['peak RSS MB', (r) => r.result.peakRssBytes, (n) => mb(n)],
    ];
    for (const [name, value, format] of figures) {
      const vu = u ? value(u) : undefined;
      const va = a ? value(a) : undefined;
      const diff = vu !== undefined && va !== undefined ? va - vu : undefined;
      const both = (v: number | undefined, r: RunRecord | undefined) =>
        v !== undefined ? format(v) : r ? 'failed' : '–';
      out.push(
        `| ${providerName(row.provider)} | ${row.pageSize.toLocaleString('en-US')} | ${row.latencyMs} ms | ${name} | ${both(vu, row.users)} | ${both(va, row.all)} | ${
          diff === undefined ? '–' : `${diff >= 0 ? '+' : '−'}${format(Math.abs(diff))}`
        } | ${vu && va !== undefined ? `${(va / vu).toFixed(2)}×` : '–'} |`,
      );
    }
  }
  out.push('');
  return out.join('\n');
}

export function runsMarkdown(runs: RunRecord[]): string {
  const out = [
    '| scenario | DB | page | latency | run | wall s | records | records/s | Clever req | 429s | RL waits | peak RSS MB | rows written | DB rows/s | note |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const run of runs) {
    const r = run.result;
    const x = run.extrapolated;
    const note = !r.ok
      ? `failed: ${(r.error ?? '').replaceAll('|', '/').replaceAll('\n', ' ').slice(0, 120)}`
      : x
        ? `measured ${seconds(x.measuredWallMs)} s on ${x.measuredSchools}/${x.totalSchools} schools, ×${x.factor.toFixed(1)}`
        : '';
    const req =
      run.contender === 'db-floor'
        ? '–'
        : Math.round(scaled(run, run.emulatorRequests)).toLocaleString('en-US');
    out.push(
      `| ${run.scenario} | ${providerName(run.provider)} | ${run.pageSize.toLocaleString('en-US')} | ${run.latencyMs} ms | ${run.contender} | ${time(run)} | ${Math.round(
        scaled(run, r.records),
      ).toLocaleString(
        'en-US',
      )} | ${r.ok ? perSecond(r.records, r.wallMs) : '–'} | ${req} | ${run.emulator429} | ${r.rateLimitWaits} | ${mb(
        r.peakRssBytes,
      )} | ${Math.round(scaled(run, r.rowsWritten)).toLocaleString('en-US')} | ${r.ok && r.rowsWritten > 0 ? perSecond(r.rowsWritten, r.wallMs) : '–'} | ${note} |`,
    );
  }
  return out.join('\n');
}
