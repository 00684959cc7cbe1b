import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { startServe } from '../../src/cli/commands/serve.js';
import type { CliIo } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import type { SyncReport } from '../../src/cli/sync-summary.js';
import { TINY_DISTRICT } from '../functions/support/stack.js';
import { Capture } from '../support/recording.js';

/**
 * The CLI as a user runs it: no Clever credentials (so the built-in emulator is used), databases in
 * a temporary directory, a local.settings.json that does not exist.
 */
describe('clever-sync CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  const settings = ['--settings', '/nonexistent/local.settings.json'];

  async function cli(args: string[], extraEnv: Record<string, string> = {}, emulatorOptions = TINY_DISTRICT) {
    const stdout = new Capture();
    const stderr = new Capture();
    const io: CliIo = { stdout, stderr };
    const code = await runCli([...settings, ...args], { io, env: { ...env, ...extraEnv }, emulatorOptions });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clever-sync-cli-'));
    env = {
      SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
      SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
      PATH: process.env.PATH ?? '',
    };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync --json: exit 0 and a machine-readable report of the run', async () => {
    const { code, stdout } = await cli(['sync', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SyncReport;
    expect(report).toMatchObject({ status: 'Succeeded', scope: 'all', dryRun: false });
    expect(report.schools).toEqual({ total: 3, completed: 3, failed: 0, skipped: 0 });
    expect(report.counts.created).toBeGreaterThan(0);
    expect(report.clever.requests).toBeGreaterThan(0);
    expect(report.districts[0]?.schools).toHaveLength(3);
  });

  it('sync (text): a summary table per school with totals; no progress line off a TTY', async () => {
    const { code, stdout, stderr } = await cli(['sync', '--full']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^school\s+status\s+type\s+processed\s+created\s+updated\s+archived\s+restored\s+invalid\s+failed/m,
    );
    expect(stdout).toMatch(/^TOTAL\s+Succeeded/m);
    expect(stdout).toMatch(/Run [0-9a-f-]{36}: Succeeded/);
    // It says which Clever and which databases before anything else.
    expect(stdout).toMatch(
      /^Clever: +the built-in emulator at http:\/\/127\.0\.0\.1:\d+ \(no Clever credentials configured\)\nSessionDb: +sqlite:\S+session\.db\nSchool databases: sqlite:\S+school-\{schoolId\}\.db\n/,
    );
    expect(stderr).not.toContain('schools 0/');
  });

  it('exit 2 when some schools fail (partial), with the failures listed', async () => {
    const { code, stdout } = await cli(
      ['sync', '--full', '--json'],
      { SYNC_MAX_CONCURRENT_SCHOOLS: '1', CLEVER_RETRY_COUNT: '0' },
      // The first school's two roster requests pass; every later one fails.
      { ...TINY_DISTRICT, faults: [{ kind: 'status', status: 500, route: '/schools/{id}/users', after: 2 }] },
    );
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as SyncReport;
    expect(report.status).toBe('PartiallySucceeded');
    expect(report.schools.failed).toBeGreaterThan(0);
    expect(report.schools.completed).toBeGreaterThan(0);
  });

  it('exit 1 with a clear message for bad input or an unknown school', async () => {
    const bad = await cli(['sync', '--school', 'not-an-id']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/schoolId must be an internal id \(a positive integer\) or a Clever id/);
    const unknown = await cli(['sync', '--school', '4242']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/School 4242 is not known/);
    const usage = await cli(['sync', '--frobnicate']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('runs: lists recent runs, shows one, and rejects an unknown one', async () => {
    const list = await cli(['runs', '--json', '--last', '2']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout) as { runId: string; trigger: string; statusUrl: string }[];
    expect(runs).toHaveLength(2);
    expect(runs[0]?.trigger).toBe('cli');

    const one = await cli(['runs', '--id', runs[1]!.runId, '--json']);
    expect(JSON.parse(one.stdout)).toMatchObject({ runId: runs[1]!.runId, finished: true });

    const table = await cli(['runs']);
    expect(table.stdout).toContain(`SessionDb:        sqlite:${join(dir, 'session.db')}`);
    expect(table.stdout).toMatch(/^run\s+status\s+scope\s+trigger/m);
    // The glance: durations and records as sparklines, each school's outcome per run.
    expect(table.stdout).toMatch(/^At a glance, the last \d+ runs \(oldest first\):$/m);
    expect(table.stdout).toMatch(/^ {2}duration {2}[▁▂▃▄▅▆▇█]+ {2}\(/m);
    expect(table.stdout).toMatch(/^ {2}[0-9a-f]{24} {2}[✓✗Hs…·]+$/m);

    const detail = await cli(['runs', '--id', runs[1]!.runId]);
    expect(detail.stdout).toMatch(new RegExp(`^Run ${runs[1]!.runId}: Succeeded`, 'm'));
    expect(detail.stdout).toMatch(/^school\s+status\s+type\s+processed/m);
    expect(detail.stdout).toMatch(/^[0-9a-f]{24}\s+Succeeded\s+(Full|Incremental)\s+\d+/m);

    const nightly = await cli(['runs', '--nightly']);
    expect(nightly.stdout).toContain(
      `No nightly (timer) sync runs recorded in SessionDb sqlite:${join(dir, 'session.db')}`,
    );

    const missing = await cli(['runs', '--id', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No sync run/);
  });

  it('health: exit 0 and the same report as the health route', async () => {
    const { code, stdout } = await cli(['health', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'healthy',
      sessionDatabase: 'reachable',
      districts: { count: 1 },
      using: {
        clever: expect.stringMatching(/^the built-in emulator at http:\/\/127\.0\.0\.1:\d+/),
        sessionDatabase: `sqlite:${join(dir, 'session.db')}`,
      },
    });
  });

  it('health without credentials says its "healthy" is the built-in emulator, not a district', async () => {
    const { code, stdout } = await cli(['health']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Clever: +the built-in emulator at http:\/\/127\.0\.0\.1:\d+ \(no Clever credentials configured\)$/m,
    );
    expect(stdout).toContain(`SessionDb:        sqlite:${join(dir, 'session.db')}`);
    expect(stdout).toMatch(
      /^Clever authentication: healthy \(.*\) \(the built-in emulator, not your district\)$/m,
    );
  });

  it('health with credentials names the Clever it checked', async () => {
    const emulator = await startEmulator(TINY_DISTRICT);
    try {
      const { stdout } = await cli(['health'], {
        CLEVER_API_BASE_URL: emulator.baseUrl,
        CLEVER_TOKENS_URL: emulator.tokensUrl,
        CLEVER_CLIENT_ID: emulator.clientId,
        CLEVER_CLIENT_SECRET: emulator.clientSecret,
      });
      expect(stdout).toContain(`Clever:           ${emulator.baseUrl} (API v3.0)`);
      expect(stdout).not.toContain('built-in emulator');
      expect(stdout).not.toContain(emulator.clientSecret);
    } finally {
      await emulator.stop();
    }
  });

  it('runs and health read the SessionDb while `serve` holds it (they never migrate it)', async () => {
    // The function modules read process.env, as in the Functions host.
    const saved = { ...process.env };
    Object.assign(process.env, env, { LOG_LEVEL: 'warn' });
    const serve = await startServe({
      env: process.env,
      localSettingsPath: '/nonexistent/local.settings.json',
      port: 0,
      emulator: 'always',
      emulatorOptions: TINY_DISTRICT,
    });
    try {
      // The served app has the SQLite SessionDb open, as after `npm run serve` and a POST.
      const key = serve.functionKey;
      const started = await fetch(`${serve.runner.url}/api/sync?dryRun=true`, {
        method: 'POST',
        headers: { 'x-functions-key': key },
      });
      expect(started.status).toBeLessThan(300);
      const { runId } = (await started.json()) as { runId: string };
      const runs = await cli(['runs', '--last', '1', '--json']);
      expect(runs.code).toBe(0);
      expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ runId, dryRun: true })]);
      const health = await cli(['health', '--json']);
      expect(health.code).toBe(0);
      expect(JSON.parse(health.stdout)).toMatchObject({ sessionDatabase: 'reachable' });
    } finally {
      await serve.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('runs and health on a fresh install: say the SessionDb does not exist yet, and create nothing', async () => {
    const fresh = join(dir, 'fresh', 'session.db');
    const freshEnv = { SESSION_DATABASE_URL: `file:${fresh}` };
    const runs = await cli(['runs'], freshEnv);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain(`No sync runs recorded: the SessionDb sqlite:${fresh} does not exist yet.`);
    const health = await cli(['health'], freshEnv);
    expect(health.code).toBe(0);
    expect(health.stdout).toContain('SessionDb: not created yet (the first sync creates it)');
    expect(existsSync(fresh)).toBe(false);
  });

  it('db migrate: SessionDb and every school database, nothing pending after a sync', async () => {
    const { code, stdout } = await cli(['db', 'migrate', '--json']);
    expect(code).toBe(0);
    const { databases } = JSON.parse(stdout) as {
      databases: { database: string; applied: string[]; target: string }[];
    };
    expect(databases[0]).toMatchObject({ database: 'session', applied: [] });
    expect(databases.filter((d) => d.database.startsWith('school '))).toHaveLength(3);
    expect(stdout).not.toMatch(/password/i);
  });

  it('db migrate --school: one school, also one SessionDb does not list yet (a database infra created)', async () => {
    const first = await cli(['db', 'migrate', '--school', 'infra0000000000000000001', '--json']);
    expect(first.code).toBe(0);
    const { databases } = JSON.parse(first.stdout) as {
      databases: { database: string; applied: string[]; alreadyApplied: number }[];
    };
    expect(databases.map((d) => d.database)).toEqual([
      'session',
      'school (not in SessionDb) (infra0000000000000000001)',
    ]);
    expect(databases[1]?.applied.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'school-infra0000000000000000001.db'))).toBe(true);

    const again = JSON.parse(
      (await cli(['db', 'migrate', '--school', 'infra0000000000000000001', '--json'])).stdout,
    ) as {
      databases: { applied: string[]; alreadyApplied: number }[];
    };
    expect(again.databases[1]).toMatchObject({ applied: [], alreadyApplied: databases[1]?.applied.length });

    const unknown = await cli(['db', 'migrate', '--school', '999999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No school with id 999999');
    const both = await cli(['db', 'migrate', '--school', 'x', '--session-only']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give --school or --session-only');
  });

  it('demo: full sync, changes, incremental sync, and a check against the emulator', async () => {
    const demoDir = mkdtempSync(join(tmpdir(), 'clever-sync-demo-'));
    const demoEnv = {
      SESSION_DATABASE_URL: `file:${join(demoDir, 'session.db')}`,
      SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(demoDir, 'school-{schoolId}.db')}`,
    };
    try {
      const text = await cli(['demo'], demoEnv);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/1\. Full sync of every district[\s\S]+TOTAL\s+Succeeded/);
      expect(text.stdout).toMatch(/3\. Incremental sync[\s\S]+Incremental/);
      expect(text.stdout).toContain('4. Checked: the databases hold exactly what the emulator serves');

      const json = await cli(['demo', '--json'], demoEnv);
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as {
        full: SyncReport;
        incremental: SyncReport;
        verification: { matches: boolean };
        changes: { deleted: string[] };
      };
      expect(report.verification.matches).toBe(true);
      expect(report.incremental.counts.archived).toBeGreaterThanOrEqual(report.changes.deleted.length);
      expect(report.incremental.districts[0]?.schools.every((s) => s.syncType === 'Incremental')).toBe(true);
    } finally {
      rmSync(demoDir, { recursive: true, force: true });
    }
  });

  it('runs as a real process: exit codes reach the shell and --json stays parseable', async () => {
    const run = promisify(execFile);
    const entry = ['--import', 'tsx', 'src/cli/main.ts', ...settings];
    const childEnv = { ...env, NODE_NO_WARNINGS: '1' };
    const [ok, failed] = await Promise.all([
      run(process.execPath, [...entry, 'runs', '--json'], { env: childEnv }),
      run(process.execPath, [...entry, 'runs', '--id', 'bad id'], { env: childEnv }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      ),
    ]);
    expect(Array.isArray(JSON.parse(ok.stdout))).toBe(true);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('"bad id" is not a run id');
  });
});
