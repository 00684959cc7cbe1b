/**
 * The fault matrix (docs/reliability.md): every scenario of scenarios.ts on SQLite and on
 * PostgreSQL, each followed by a full comparison of every school database with the emulator's
 * truth and of the SessionDb with the runs. `npm run test:faults` prints the results as a table
 * (FAULT_MATRIX_REPORT names the file the rows are appended to).
 */
import { appendFileSync } from 'node:fs';
import { URL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../emulator/index.js';
import {
  createSyncEnv,
  dataRequests,
  type EnvOptions,
  POSTGRES_URL,
  type Provider,
  postgresAvailable,
  type SyncEnv,
} from '../sync/integration/support.js';
import type { MatrixRow } from './matrix-row.js';
import { SCENARIOS, type ScenarioContext } from './scenarios.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { verifyAfterRecovery } from './verify.js';

/** Big enough for the mass-removal scenarios (12 of a school's ~25 students), small enough to be quick. */
const DISTRICT: EmulatorOptions = {
  seed: 'fault-matrix',
  districts: 1,
  schoolsPerDistrict: 4,
  studentsPerSchool: 25,
  teachersPerSchool: 3,
  staffPerSchool: 1,
  multiSchoolShare: 0.1,
};

/** Short final-write budget: the outages here last seconds. */
const BASE: EnvOptions = { tuning: { finalWriteBudgetMs: 20_000 } };

function report(row: MatrixRow): void {
  const file = process.env.FAULT_MATRIX_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

describe.each<Provider>(['sqlite', 'postgresql'])('fault matrix on %s', (provider) => {
  const skip = provider === 'postgresql' && !postgresAvailable;
  let env: SyncEnv;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    if (skip) return;
    if (provider === 'postgresql') {
      const server = new URL(POSTGRES_URL);
      proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    }
    env = await createSyncEnv(provider, DISTRICT, {
      ...BASE,
      ...(proxy ? { postgresPort: proxy.port } : {}),
    });
    const first = await env.service.syncAllDistricts({ trigger: 'test' });
    expect(first.status).toBe('Succeeded');
    if (proxy) expect(proxy.accepted).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await env?.dispose();
    await proxy?.close();
  });

  for (const scenario of SCENARIOS) {
    const runsHere = !scenario.providers || scenario.providers.includes(provider);
    it.skipIf(skip || !runsHere)(scenario.title, { timeout: scenario.timeoutMs ?? 60_000 }, async () => {
      const runIds: string[] = [];
      const started = Date.now();
      let faultedMs: number | undefined;
      let faultedRequests: number | undefined;
      env.emulator.resetStats();
      const ctx: ScenarioContext = {
        env,
        provider,
        proxy,
        runIds,
        async sync(options = {}) {
          const result = await env.service.syncAllDistricts({ trigger: 'test', ...options });
          runIds.push(result.runId);
          return result;
        },
        recovering() {
          faultedMs ??= Date.now() - started;
          faultedRequests ??= dataRequests(env);
        },
        restart(extra = {}) {
          env.restart({
            ...BASE,
            ...extra,
            ...(proxy ? { postgresPort: proxy.port } : {}),
          });
        },
        schools: () => [...env.emulator.truth.schools(env.districtId)].map((s) => s.id).sort(),
        verify: () => verifyAfterRecovery(env, runIds),
      };
      const row: MatrixRow = {
        provider,
        scenario: scenario.title,
        outcome: 'error',
        dataEqual: false,
        problems: [],
        requests: 0,
        ms: 0,
      };
      try {
        const result = await scenario.run(ctx);
        row.outcome = result.outcome;
        const verification = await verifyAfterRecovery(env, runIds);
        row.problems = verification.problems;
        row.dataEqual = verification.problems.length === 0;
        expect(verification.rows).toBeGreaterThan(0);
        expect(verification.problems).toEqual([]);
      } catch (error) {
        if (row.outcome === 'error') row.outcome = `error: ${(error as Error).message.split('\n')[0]}`;
        throw error;
      } finally {
        row.ms = faultedMs ?? Date.now() - started;
        row.requests = faultedRequests ?? dataRequests(env);
        report(row);
      }
    });
  }
});
