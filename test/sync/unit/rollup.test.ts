import { describe, expect, it } from 'vitest';
import { districtStatus, runStatus } from '../../../src/sync/rollup.js';
import type { SchoolSyncStatus } from '../../../src/sync/types.js';

/** The status rules, one row each: what the parts were, and what the whole must say. */
describe('district status', () => {
  const cases: [string, string | undefined, SchoolSyncStatus[], boolean, string][] = [
    ['no schools', undefined, [], false, 'Succeeded'],
    ['no schools, list held', undefined, [], true, 'Held'],
    ['district-level error', 'boom', ['Succeeded'], false, 'Failed'],
    ['all succeeded', undefined, ['Succeeded', 'Succeeded'], false, 'Succeeded'],
    ['one held', undefined, ['Succeeded', 'Held'], false, 'Held'],
    ['list held, schools fine', undefined, ['Succeeded'], true, 'Held'],
    ['one failed', undefined, ['Succeeded', 'Failed'], false, 'PartiallySucceeded'],
    ['one failed, one held', undefined, ['Held', 'Failed'], false, 'PartiallySucceeded'],
    ['all failed', undefined, ['Failed', 'Failed'], false, 'Failed'],
    ['one skipped (another run)', undefined, ['Succeeded', 'Skipped'], false, 'PartiallySucceeded'],
    ['all skipped (another run)', undefined, ['Skipped', 'Skipped'], false, 'Skipped'],
  ];
  it.each(cases)('%s', (_name, error, schools, listHeld, expected) => {
    expect(
      districtStatus(
        error,
        schools.map((status) => ({ status })),
        listHeld,
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
