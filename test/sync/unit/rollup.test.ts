import { describe, expect, it } from 'vitest';
import { districtStatus, runStatus } from '../../../src/sync/report/rollup.js';
import type { SchoolSyncStatus } from '../../../src/sync/types.js';

/** The status rules, one row each: what the parts were, and what the whole must say. */
describe('district status', () => {
  type List = { held: boolean; failed?: boolean };
  const ok: List = { held: false };
  const cases: [string, string | undefined, SchoolSyncStatus[], List, string][] = [
    ['no schools', undefined, [], ok, 'Succeeded'],
    ['no schools, list held', undefined, [], { held: true }, 'Held'],
    ['district-level error', 'boom', ['Succeeded'], ok, 'Failed'],
    ['all succeeded', undefined, ['Succeeded', 'Succeeded'], ok, 'Succeeded'],
    ['one held', undefined, ['Succeeded', 'Held'], ok, 'Held'],
    ['list held, schools fine', undefined, ['Succeeded'], { held: true }, 'Held'],
    ['one failed', undefined, ['Succeeded', 'Failed'], ok, 'PartiallySucceeded'],
    ['one failed, one held', undefined, ['Held', 'Failed'], ok, 'PartiallySucceeded'],
    ['all failed', undefined, ['Failed', 'Failed'], ok, 'Failed'],
    ['one skipped (another run)', undefined, ['Succeeded', 'Skipped'], ok, 'PartiallySucceeded'],
    ['all skipped (another run)', undefined, ['Skipped', 'Skipped'], ok, 'Skipped'],
    [
      'list failed, its known schools synced (queue)',
      undefined,
      ['Succeeded'],
      { held: false, failed: true },
      'PartiallySucceeded',
    ],
    ['list failed, no school synced', undefined, [], { held: false, failed: true }, 'Failed'],
    [
      'list failed and held schools',
      undefined,
      ['Held'],
      { held: false, failed: true },
      'PartiallySucceeded',
    ],
  ];
  it.each(cases)('%s', (_name, error, schools, list, expected) => {
    expect(
      districtStatus(
        error,
        schools.map((status) => ({ status })),
        list,
      ),
    ).toBe(expected);
  });
});

describe('run status', () => {
  type D = { status: string; error?: string };
  const ok: D = { status: 'Succeeded' };
  const otherRun: D = { status: 'Skipped' };
  const noToken: D = { status: 'Skipped', error: 'district has not authorized the app' };
  const cases: [string, string | undefined, D[], string][] = [
    ['nothing to sync', undefined, [], 'Succeeded'],
    ['run-level error', 'boom', [ok], 'Failed'],
    ['all succeeded', undefined, [ok, ok], 'Succeeded'],
    ['one held', undefined, [ok, { status: 'Held' }], 'Held'],
    ['one partial', undefined, [ok, { status: 'PartiallySucceeded' }], 'PartiallySucceeded'],
    ['one failed', undefined, [ok, { status: 'Failed' }], 'PartiallySucceeded'],
    ['all failed', undefined, [{ status: 'Failed' }], 'Failed'],
    ['only a district without a token (or disconnected)', undefined, [noToken], 'Failed'],
    ['one district without a token', undefined, [ok, noToken], 'PartiallySucceeded'],
    ['every district synced by other runs', undefined, [otherRun, otherRun], 'Skipped'],
    ['some districts synced by another run', undefined, [ok, otherRun], 'PartiallySucceeded'],
    ['another run has one, another has no token', undefined, [otherRun, noToken], 'PartiallySucceeded'],
  ];
  it.each(cases)('%s', (_name, error, districts, expected) => {
    expect(runStatus(error, districts as Parameters<typeof runStatus>[1])).toBe(expected);
  });
});
