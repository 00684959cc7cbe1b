/**
 * Recent runs at a glance, for `clever-sync runs`: a sparkline of durations and records, and a
 * compact grid of each school's outcome per run (oldest run on the left), so a school that has
 * been failing or held for several nights stands out without reading every run.
 */
import type { RunView } from '../runs/index.js';

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, scaled between the smallest and the largest (all equal: the middle bar). */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values
    .map((value) => {
      if (max === min) return BARS[3];
      return BARS[Math.round(((value - min) / (max - min)) * (BARS.length - 1))];
    })
    .join('');
}

/** One character per school and run: what happened to that school in that run. */
export const CELL: Record<string, string> = {
  Succeeded: '✓',
  Failed: '✗',
  Held: 'H',
  Skipped: 's',
  Running: '…',
};
const NOT_IN_RUN = '·';
const LEGEND = `${CELL.Succeeded} ok  ${CELL.Failed} failed  ${CELL.Held} held  ${CELL.Skipped} skipped (another run had it)  ${CELL.Running} running  ${NOT_IN_RUN} not in the run`;

/** Above this many schools, only those with something other than ✓ in the window get a row. */
const ALL_SCHOOLS_UP_TO = 30;

/** The glance for runs given newest first (as SessionDb lists them); empty when there is nothing. */
export function formatGlance(runsNewestFirst: readonly RunView[]): string {
  const runs = [...runsNewestFirst].reverse();
  if (runs.length < 2) return '';
  const finished = runs.filter((r) => r.finished);
  const durations = finished.map((r) => r.durationSeconds);
  const records = finished.map((r) => r.counts.processed);
  const lines = [`At a glance, the last ${runs.length} runs (oldest first):`];
  if (finished.length > 0) {
    lines.push(
      `  duration  ${sparkline(durations)}  ${range(durations, (v) => `${v} s`)}`,
      `  records   ${sparkline(records)}  ${range(records, String)}`,
    );
  }
  const grid = schoolGrid(runs);
  if (grid.rows.length > 0) {
    const width = Math.max(...grid.rows.map((row) => row.school.length));
    lines.push('', `  ${'school'.padEnd(width)}  runs`);
    for (const row of grid.rows) lines.push(`  ${row.school.padEnd(width)}  ${row.cells}`);
    if (grid.hidden > 0) lines.push(`  (${grid.hidden} more schools: ${CELL.Succeeded} in every run)`);
    lines.push(`  ${LEGEND}`);
  }
  return lines.join('\n');
}

function range(values: readonly number[], unit: (value: number) => string): string {
  return `(${unit(Math.min(...values))} .. ${unit(Math.max(...values))})`;
}

function schoolGrid(runs: readonly RunView[]): { rows: { school: string; cells: string }[]; hidden: number } {
  const schools = new Map<string, string[]>();
  runs.forEach((run, index) => {
    for (const school of run.schools) {
      const cells = schools.get(school.cleverSchoolId) ?? runs.map(() => NOT_IN_RUN);
      cells[index] = CELL[school.status] ?? '?';
      schools.set(school.cleverSchoolId, cells);
    }
  });
  const rows = [...schools].map(([school, cells]) => ({ school, cells: cells.join('') }));
  if (rows.length <= ALL_SCHOOLS_UP_TO) return { rows, hidden: 0 };
  const allOk = (cells: string) => [...cells].every((c) => c === CELL.Succeeded || c === NOT_IN_RUN);
  const shown = rows.filter((row) => !allOk(row.cells));
  return { rows: shown, hidden: rows.length - shown.length };
}
