/**
 * How a caller names a district or a school: SessionDb's internal id or Clever's id. Parsed once,
 * at the edge (the HTTP query, the CLI flags, a queue message, a programmatic call), by these rules
 * alone, so every way in accepts and refuses the same ids.
 */
import { ValidationError } from '../../errors.js';

export type IdSelector = { kind: 'internal'; id: number } | { kind: 'clever'; id: string };

/** A positive integer of at most 10 digits (SessionDb ids). */
const INTERNAL_ID = /^[1-9]\d{0,9}$/;
/** Clever ids are MongoDB ObjectIds: 24 hexadecimal characters. */
const CLEVER_ID = /^[0-9a-f]{24}$/i;

export const ID_RULE = 'an internal id (a positive integer) or a Clever id (24 hexadecimal characters)';

/** The selector, or null when `value` is neither kind of id. */
export function toIdSelector(value: number | string | IdSelector): IdSelector | null {
  if (typeof value === 'object') return value;
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 ? { kind: 'internal', id: value } : null;
  }
  const trimmed = value.trim();
  if (INTERNAL_ID.test(trimmed) && Number.isSafeInteger(Number(trimmed))) {
    return { kind: 'internal', id: Number(trimmed) };
  }
  if (CLEVER_ID.test(trimmed)) return { kind: 'clever', id: trimmed.toLowerCase() };
  return null;
}

/** The selector, or a ValidationError naming `what` (an id is never echoed here: callers may). */
export function parseIdSelector(value: number | string | IdSelector, what: string): IdSelector {
  const selector = toIdSelector(value);
  if (!selector) throw new ValidationError(`${what} must be ${ID_RULE}`);
  return selector;
}

/** For messages: the id as the caller gave it. */
export function showSelector(selector: IdSelector): string {
  return String(selector.id);
}
