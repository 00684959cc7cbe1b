import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncTimerHandler } from '../../src/functions/sync-timer.js';
import { leaseKeys } from '../../src/sync/leases.js';
import { type Stack, startStack } from './support/stack.js';

const timer = (isPastDue = false): Timer => ({
  isPastDue,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
});
const context = () =>
  new InvocationContext({ invocationId: 'timer-invocation', functionName: 'SyncTimerFunction' });

function summaries(lines: string[]): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry.msg === 'string' && (entry.msg as string).startsWith('nightly sync'));
}

describe('SyncTimerFunction', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No retries: a failing Clever must fail the run now, not after 2+4+8+16+32 s of backoff.
    stack = await startStack({ env: { CLEVER_RETRY_COUNT: '0' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('syncs every district and logs a structured summary', async () => {
    await createSyncTimerHandler(stack.deps())(timer(true), context());
    const [summary] = summaries(stack.lines).slice(-1);
    expect(summary).toMatchObject({
      level: 'info',
      msg: 'nightly sync Succeeded',
      invocationId: 'timer-invocation',
    });
    expect(summary?.summary).toMatchObject({
      status: 'Succeeded',
      districts: 1,
      schoolsTotal: 3,
      schoolsCompleted: 3,
    });
    expect(stack.lines.some((line) => line.includes('timer is past due'))).toBe(true);
    const runs = await stack.services.session.runs.listRecent(1);
    expect(runs[0]).toMatchObject({ trigger: 'timer', scope: 'all', status: 'Succeeded' });
  });

  it('leaves a run that is still going alone and says which one', async () => {
    const holder = 'bbbbbbbb-0000-4000-8000-000000000002#other-instance';
    await stack.services.session.leases.tryAcquire(leaseKeys.all(), holder, 60);
    try {
      await expect(createSyncTimerHandler(stack.deps())(timer(), context())).resolves.toBeUndefined();
      const warning = stack.lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.msg === 'nightly sync skipped: a sync of everything is still running');
      expect(warning).toMatchObject({ level: 'warn', runningRunId: 'bbbbbbbb-0000-4000-8000-000000000002' });
    } finally {
      await stack.services.session.leases.release(leaseKeys.all(), holder);
    }
  });

  it('fails the invocation (for the failed-run alert) when the run fails', async () => {
    stack.emulator.faults.set([{ kind: 'status', status: 500, route: '/oauth/tokens' }]);
    try {
      await expect(createSyncTimerHandler(stack.deps())(timer(), context())).rejects.toThrow(
        /Nightly sync .* failed/,
      );
      const [summary] = summaries(stack.lines).slice(-1);
      expect(summary).toMatchObject({ level: 'error', msg: 'nightly sync failed' });
      expect(stack.lines.join('\n')).not.toContain(stack.emulator.clientSecret);
    } finally {
      stack.emulator.faults.clear();
    }
  });
});
