import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDeployment } from '../../scripts/validate-deployment.js';
import type { ServeHandle } from '../../src/cli/commands/serve.js';
import { type LocalStack, startLocalStack } from './support.js';

const KEY = 'validate-e2e-function-key-0123456789';

/**
 * The post-deploy validation (`npm run validate:deployment`) against the real app: the local runner
 * hosting every registered function, the Clever emulator and SQLite, as after a deploy.
 */
describe('validate:deployment against the local runner and the emulator', () => {
  let stack: LocalStack;
  let serve: ServeHandle;

  beforeAll(async () => {
    stack = await startLocalStack(KEY, {
      HEALTH_CACHE_INTERVAL_SECONDS: '1',
      CLEVER_RETRY_COUNT: '0',
      LOG_LEVEL: 'silent',
    });
    serve = stack.serve;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('passes every check, including a dry-run sync of one school polled through its status URL', async () => {
    // A first sync registers the schools the dry run names.
    const first = await fetch(`${serve.runner.url}/api/sync`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY },
    });
    const { statusUrl } = (await first.json()) as { statusUrl: string };
    for (let poll = 0; poll < 600; poll++) {
      const run = (await (
        await fetch(`${serve.runner.url}${statusUrl}`, { headers: { 'x-functions-key': KEY } })
      ).json()) as { finished: boolean };
      if (run.finished) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const school = [...serve.emulator!.truth.schools(serve.emulator!.districts[0]!.id)][0]!;

    const report = await validateDeployment({
      url: serve.runner.url,
      key: KEY,
      dryRunSchool: school.id,
      pollIntervalMs: 50,
      startupGraceMs: 5_000,
      timeoutMs: 30_000,
    });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['health', 'pass'],
      ['functions', 'pass'],
      ['dry-run', 'pass'],
      ['secrets', 'pass'],
    ]);
    expect(report.ok).toBe(true);
  });

  it('fails with a clear message when the function key is wrong, and never prints the key', async () => {
    const wrong = 'not-the-right-function-key-987654321';
    const report = await validateDeployment({ url: serve.runner.url, key: wrong, startupGraceMs: 0 });
    expect(report.ok).toBe(false);
    const health = report.checks.find((c) => c.name === 'health')!;
    expect(health.status).toBe('fail');
    expect(health.message).toMatch(/key/i);
    expect(JSON.stringify(report)).not.toContain(wrong);
  });

  it('fails when Clever authentication is unhealthy', async () => {
    // Clever's token endpoint now rejects the app's credentials: the health check turns unhealthy.
    serve.emulator!.faults.add({ kind: 'status', status: 401, route: '/oauth/tokens' });
    let unhealthy = false;
    for (let poll = 0; poll < 100 && !unhealthy; poll++) {
      const response = await fetch(`${serve.runner.url}/api/health/clever-auth`, {
        headers: { 'x-functions-key': KEY },
      });
      unhealthy = response.status === 503;
      await response.body?.cancel();
      if (!unhealthy) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(unhealthy).toBe(true);

    const report = await validateDeployment({ url: serve.runner.url, key: KEY, startupGraceMs: 0 });
    expect(report.ok).toBe(false);
    const health = report.checks.find((c) => c.name === 'health')!;
    expect(health.status).toBe('fail');
    expect(health.message).toMatch(/unhealthy/i);
  });
});
