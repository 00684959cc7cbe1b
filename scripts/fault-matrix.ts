/**
 * `npm run test:faults`: runs the fault matrix (test/faults) and prints one row per scenario and
 * provider: what the faulted run reported, whether every database equalled Clever after recovery,
 * the Clever requests and the time of the faulted phase. `-- --markdown` prints the table for
 * docs/reliability.md. Exits with the test run's code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration, formatTable } from '../src/cli/output.js';
import type { MatrixRow } from '../test/faults/matrix-row.js';
import { SCENARIOS } from '../test/faults/scenarios.js';

const markdown = process.argv.includes('--markdown');
const dir = mkdtempSync(join(tmpdir(), 'fault-matrix-'));
const reportFile = join(dir, 'rows.jsonl');
try {
  const run = spawnSync('npx', ['vitest', 'run', 'test/faults'], {
    stdio: 'inherit',
    env: { ...process.env, FAULT_MATRIX_REPORT: reportFile },
  });
  let rows: MatrixRow[] = [];
  try {
    rows = readFileSync(reportFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as MatrixRow);
  } catch {
    // No row written: the run failed before any scenario (its output says why).
  }
  if (markdown) {
    process.stdout.write(`\n${markdownByScenario(rows)}\n`);
    process.exitCode = run.status ?? 1;
    process.exit();
  }
  const cells = rows.map((row) => [
    row.scenario,
    row.provider,
    row.outcome,
    row.dataEqual ? 'yes' : `NO (${row.problems.length} problems)`,
    row.requests,
    formatDuration(row.ms),
  ]);
  const headers = [
    'scenario',
    'database',
    'outcome of the faulted run',
    'data equal after recovery',
    'requests',
    'time',
  ];
  process.stdout.write(`\n${formatTable(headers, cells)}\n`);
  const unequal = rows.filter((row) => !row.dataEqual);
  for (const row of unequal.slice(0, 10)) {
    process.stdout.write(
      `\n${row.provider} / ${row.scenario}:\n${row.problems
        .slice(0, 10)
        .map((p) => `  - ${p}`)
        .join('\n')}\n`,
    );
  }
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** docs/reliability.md's table: one row per scenario, what it proves, then each database's result. */
function markdownByScenario(rows: MatrixRow[]): string {
  const proves = new Map(SCENARIOS.map((s) => [s.title, s.proves]));
  const cell = (row: MatrixRow | undefined) =>
    row
      ? `${row.outcome}; data equal: ${row.dataEqual ? 'yes' : 'NO'}; ${row.requests} requests, ${formatDuration(row.ms)}`
      : 'not run';
  const body = SCENARIOS.map((scenario) => {
    const on = (provider: string) =>
      rows.find((r) => r.scenario === scenario.title && r.provider === provider);
    return [scenario.title, proves.get(scenario.title) ?? '', cell(on('sqlite')), cell(on('postgresql'))];
  });
  return markdownTable(['scenario', 'what it proves', 'SQLite', 'PostgreSQL'], body);
}

function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
