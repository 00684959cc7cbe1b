/**
 * What an operator must act on after a run, one line each, with the exact command or request that
 * acts on it. The CLI's end-of-run summary, `clever-sync runs --id` and the HTTP run view
 * (`GET /api/sync/runs/{id}`, the `POST /api/sync` answer) all say it with the same words; only the
 * way to force a held archive differs (a CLI flag or a query parameter).
 */

/** The part of a run's outcome these lines need: ids, statuses, errors, held reasons. */
export interface RunOutcome {
  error?: string | null | undefined;
  districts: {
    cleverDistrictId: string;
    status: string;
    error?: string | null | undefined;
    /** Clever no longer lists the district's token: the run marked it inactive. */
    disconnected?: boolean | undefined;
    /** Why the district's school list was held (mass-archive guard), when it was. */
    heldReasons?: string[] | undefined;
    schools: {
      cleverSchoolId: string;
      status: string;
      error?: string | null | undefined;
      /** Why the school was held (mass-archive guard), when it was. */
      heldReasons?: string[] | undefined;
    }[];
  }[];
}

/** How to apply what the mass-archive guard held, for one district or school (by Clever id). */
export type ForceHint = (scope: 'district' | 'school', cleverId: string) => string;

export const cliForceHint: ForceHint = (scope, cleverId) => `clever-sync sync --${scope} ${cleverId} --force`;

export const httpForceHint: ForceHint = (scope, cleverId) =>
  `POST /api/sync?${scope}Id=${cleverId}&force=true`;

/**
 * The held reasons of a district's school list: the engine records them as the district's
 * `schools:` warnings, and a district is held for its list only when none of its schools is.
 */
export function districtHeldReasons(district: {
  status: string;
  warnings?: readonly string[] | undefined;
  schools: readonly { status: string }[];
}): string[] | undefined {
  if (district.status !== 'Held' || district.schools.some((s) => s.status === 'Held')) return undefined;
  return (district.warnings ?? []).filter((w) => w.startsWith('schools:'));
}

/**
 * Failed and disconnected districts, held school lists and schools (with the way to apply them),
 * failed schools: in that order, one line each.
 */
export function needsAttention(outcome: RunOutcome, force: ForceHint): string[] {
  const lines: string[] = outcome.error ? [`run failed: ${outcome.error}`] : [];
  for (const d of outcome.districts) {
    if (d.disconnected) {
      lines.push(
        `district ${d.cleverDistrictId} disconnected from the app: it is no longer synced (reconnect it in Clever's district dashboard to resume)`,
      );
    } else if (d.error) {
      lines.push(
        `district ${d.cleverDistrictId} ${d.status === 'Skipped' ? 'not synced' : 'failed'}: ${d.error}`,
      );
    }
    if (d.heldReasons?.length) {
      lines.push(
        `district ${d.cleverDistrictId} school list held (${d.heldReasons.join('; ')}); to apply: ${force('district', d.cleverDistrictId)}`,
      );
    }
    for (const s of d.schools) {
      if (s.status === 'Held') {
        lines.push(
          `school ${s.cleverSchoolId} held (${(s.heldReasons ?? []).join('; ') || 'mass-archive guard'}); to apply: ${force('school', s.cleverSchoolId)}`,
        );
      } else if (s.error) {
        lines.push(`school ${s.cleverSchoolId} failed: ${s.error}`);
      }
    }
  }
  return lines;
}
