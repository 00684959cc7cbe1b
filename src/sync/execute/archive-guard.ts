/**
 * The mass-archive guard. A full sync archives rows Clever no longer returns, an incremental run
 * the users its events delete, unshare or move away; when either would be a large share of a
 * school's roster, an outage or a sharing mistake on the district's side is
 * far likelier than a real exodus, and archiving would disable every affected account. So the
 * archive is held (nothing archived, the run marked Held with a warning) until an operator
 * repeats the sync with `force`.
 */
export interface ArchiveGuardInput {
  /** Active rows before the run. */
  activeBefore: number;
  /** Rows the run would archive. */
  wouldArchive: number;
  /**
   * Valid records a full pull returned (an empty pull of a non-empty roster always holds). Absent
   * for archives driven by events, where there is no pull.
   */
  pulled?: number;
  /** SYNC_ARCHIVE_GUARD_FRACTION. */
  fraction: number;
  /** Below this many archives the share rule does not apply (small schools). */
  minRows: number;
  force: boolean;
}

export type ArchiveGuardDecision = { hold: false } | { hold: true; reason: string };

export function checkArchiveGuard(input: ArchiveGuardInput): ArchiveGuardDecision {
  const { activeBefore, wouldArchive, pulled, fraction, minRows, force } = input;
  if (force || wouldArchive === 0) return { hold: false };
  if (pulled === 0 && activeBefore > 0) {
    return {
      hold: true,
      reason: `Clever returned no records but ${activeBefore} are active: archiving all of them was held`,
    };
  }
  const share = activeBefore === 0 ? 1 : wouldArchive / activeBefore;
  if (wouldArchive >= minRows && share > fraction) {
    return {
      hold: true,
      reason:
        `would archive ${wouldArchive} of ${activeBefore} active rows ` +
        `(${(share * 100).toFixed(1)}% > ${(fraction * 100).toFixed(1)}% allowed): archive held; ` +
        'repeat with force to apply',
    };
  }
  return { hold: false };
}
