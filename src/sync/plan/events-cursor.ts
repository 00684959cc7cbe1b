/**
 * Events cursors: a school's position in its district's Clever events (the id of the newest event
 * its database reflects). Clever event ids are ObjectIds, ascending with time.
 */

/**
 * Stored as a school's cursor when a full sync found no events at all: "before the first event".
 * Never sent to Clever (an unknown `starting_after` id is rejected); it reads from the start.
 */
export const EVENTS_START = '000000000000000000000000';

/** Orders Clever event ids (24-hex ObjectIds, ascending with time); shorter ids sort first. */
export function compareEventIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `starting_after` to send for a cursor (undefined = from the oldest retained event). */
export function startingAfter(cursor: string): string | undefined {
  return cursor === EVENTS_START ? undefined : cursor;
}

/** The oldest of several cursors: where one district-wide read must start. */
export function oldestCursor(cursors: readonly string[]): string | undefined {
  let oldest: string | undefined;
  for (const cursor of cursors)
    if (oldest === undefined || compareEventIds(cursor, oldest) < 0) oldest = cursor;
  return oldest;
}
