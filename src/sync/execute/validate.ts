/**
 * Required-field validation and page preparation (map -> validate -> dedupe). A record that fails
 * is skipped and reported by its Clever id and reason codes only: names, emails and dates of
 * birth never reach a log line.
 */
import type { RosterEntity, RosterRow } from '../../domain/index.js';

export type InvalidReason = 'missing_id' | 'missing_name' | 'missing_school' | 'missing_role';

export interface InvalidRecord {
  /** The Clever id when there is one ("" otherwise): the only identifier that may be logged. */
  cleverId: string;
  reasons: InvalidReason[];
}

/** Clever ids are 24-hex ObjectIds; anything without a usable id cannot be keyed. */
const ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;

/** Whether `id` can key a row (and travel in a Clever URL path). */
export function isUsableCleverId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * What a person's row needs to be stored: a Clever id to key it, a name (first or last: people
 * with one name exist, so only both empty is invalid) and a school to belong to.
 */
export function personInvalidReasons(row: {
  cleverId: string;
  firstName: string;
  lastName: string;
  cleverSchoolId: string;
}): InvalidReason[] {
  const reasons: InvalidReason[] = [];
  if (!isUsableCleverId(row.cleverId)) reasons.push('missing_id');
  if (row.firstName === '' && row.lastName === '') reasons.push('missing_name');
  if (row.cleverSchoolId === '') reasons.push('missing_school');
  return reasons;
}

/**
 * What a section, course or term needs: a usable Clever id (and, for a section, its school).
 * A nameless class is stored as it is: Clever guarantees the name, and an empty one is still a class.
 */
export function recordInvalidReasons(row: { cleverId: string; cleverSchoolId?: string }): InvalidReason[] {
  const reasons: InvalidReason[] = [];
  if (!isUsableCleverId(row.cleverId)) reasons.push('missing_id');
  if (row.cleverSchoolId === '') reasons.push('missing_school');
  return reasons;
}

export interface PreparedPage<E extends RosterEntity> {
  /** Valid rows, one per Clever id (the last occurrence wins). */
  rows: RosterRow<E>[];
  invalid: InvalidRecord[];
  /** Records received, after collapsing repeats of one id. */
  received: number;
}

/** How a stream turns one Clever record into its row and checks it. */
export interface RowRules<T, E extends RosterEntity> {
  /** The roster (lets callers' types follow from the rules). */
  entity?: E;
  /** The record's row; null when the record has no part in this roster (a user without the role). */
  rowOf(record: T): RosterRow<E> | null;
  invalidReasons(row: RosterRow<E>): InvalidReason[];
}

/**
 * One Clever page -> rows ready for a bulk upsert. Repeats of an id within a page are collapsed
 * (Clever can list a multi-role user once per role, and one INSERT .. ON CONFLICT statement may
 * not touch a row twice).
 */
export function preparePage<T extends { id?: unknown }, E extends RosterEntity>(
  rules: RowRules<T, E>,
  records: readonly T[],
): PreparedPage<E> {
  const byId = new Map<string, RosterRow<E> | InvalidRecord>();
  const anonymous: InvalidRecord[] = [];
  for (const record of records) {
    const row = rules.rowOf(record);
    const id = typeof record?.id === 'string' ? record.id.trim() : '';
    if (row === null) {
      const invalid: InvalidRecord = { cleverId: id, reasons: ['missing_role'] };
      if (id === '') anonymous.push(invalid);
      else byId.set(id, invalid);
      continue;
    }
    const reasons = rules.invalidReasons(row);
    if (reasons.length > 0) {
      const invalid: InvalidRecord = { cleverId: row.cleverId, reasons };
      if (row.cleverId === '') anonymous.push(invalid);
      else byId.set(row.cleverId, invalid);
      continue;
    }
    byId.set(row.cleverId, row);
  }
  const rows: RosterRow<E>[] = [];
  const invalid: InvalidRecord[] = [...anonymous];
  for (const value of byId.values()) {
    if ('reasons' in value) invalid.push(value);
    else rows.push(value);
  }
  return { rows, invalid, received: byId.size + anonymous.length };
}
