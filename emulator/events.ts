import { IdKind, makeId } from './ids.js';
import type { EventAction, EventRecord, EventRecordType, EventType } from './types.js';

export interface StoredEvent extends EventRecord {
  createdMs: number;
  /** Schools the change touched, for the `school=` filter. */
  schoolIds: string[];
}

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * previous_attributes as Clever sends it: a deep partial of the old record holding only what
 * changed. Arrays are compared whole; a field that did not exist before is reported as null.
 */
export function previousAttributes(before: Json, after: Json): Record<string, Json> | undefined {
  if (!isPlainObject(before) || !isPlainObject(after)) return undefined;
  const changed: Record<string, Json> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[key];
    const now = after[key];
    if (isPlainObject(old) && isPlainObject(now)) {
      const nested = previousAttributes(old, now);
      if (nested !== undefined) changed[key] = nested;
    } else if (JSON.stringify(old) !== JSON.stringify(now)) {
      changed[key] = old === undefined ? null : old;
    }
  }
  return Object.keys(changed).length > 0 ? changed : undefined;
}

export type CursorCheck = 'ok' | 'expired' | 'unknown';

/**
 * One district's events, oldest first. Retention is by the emulator clock: events older than the
 * window are dropped, and a cursor pointing at a dropped event is reported as expired so clients
 * fall back to a full sync, as with real Clever.
 */
export class EventLog {
  private events: StoredEvent[] = [];
  private sequence = 0;
  private newestDropped: string | undefined;

  constructor(
    private readonly idPrefix: string,
    private readonly districtSlot: number,
    private readonly retentionMs: number,
    private readonly now: () => number,
    /** Emit previous_attributes beside `data` (Clever's spec) instead of inside it (real traffic). */
    private readonly previousBesideData: boolean,
  ) {}

  append(
    recordType: EventRecordType,
    action: EventAction,
    object: EventRecord['data']['object'],
    schoolIds: string[],
    previous?: Record<string, unknown>,
  ): StoredEvent {
    const createdMs = this.now();
    const type = `${recordType}.${action}` as EventType;
    const event: StoredEvent = {
      id: makeId(this.idPrefix, this.districtSlot, IdKind.event, this.sequence++),
      type,
      created: new Date(createdMs).toISOString(),
      data: { object },
      createdMs,
      schoolIds,
    };
    if (previous !== undefined) {
      if (this.previousBesideData) event.previous_attributes = previous;
      else event.data.previous_attributes = previous;
    }
    this.events.push(event);
    return event;
  }

  private prune(): void {
    const horizon = this.now() - this.retentionMs;
    let drop = 0;
    while (drop < this.events.length && this.events[drop]!.createdMs < horizon) drop++;
    if (drop > 0) {
      this.newestDropped = this.events[drop - 1]!.id;
      this.events = this.events.slice(drop);
    }
  }

  /** Retained events, oldest first. */
  retained(): readonly StoredEvent[] {
    this.prune();
    return this.events;
  }

  get(id: string): StoredEvent | undefined {
    return this.retained().find((e) => e.id === id);
  }

  checkCursor(id: string): CursorCheck {
    if (this.get(id) !== undefined) return 'ok';
    return this.newestDropped !== undefined && id <= this.newestDropped ? 'expired' : 'unknown';
  }
}

/** The event shape on the wire (bookkeeping fields removed). */
export function toWireEvent(event: StoredEvent): EventRecord {
  const { createdMs: _createdMs, schoolIds: _schoolIds, ...wire } = event;
  return wire;
}
