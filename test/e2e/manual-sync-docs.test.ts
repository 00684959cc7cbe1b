import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSyncServices } from '../../src/app.js';
import { type ServeHandle, serveBanner, startServe } from '../../src/cli/commands/serve.js';
import { runCli } from '../../src/cli/program.js';
import type { SessionRepository } from '../../src/db/index.js';
import { leaseKeys } from '../../src/sync/leases.js';
import { Capture } from '../support/recording.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC = readFileSync(resolve(ROOT, 'docs/manual-sync.md'), 'utf8');
const bashBlocks = [...DOC.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const jsonBlocks = [...DOC.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const commandLines = (block: string) =>
  block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
/** The block that sets $APP and $KEY: the test sets them from what `npm run serve` printed. */
const isVariablesBlock = (block: string) =>
  commandLines(block).every((line) => /^export (APP|KEY)=/.test(line));

const run = promisify(execFile);

/**
 * docs/manual-sync.md as a newcomer meets it: `npm run demo` (the built-in emulator's default
 * district into SQLite), then `npm run serve` on the same databases with no credentials, then every
 * bash example of the page, as written, with the $APP and $KEY the serve banner says to set.
 */
describe('docs/manual-sync.md examples, run as written against npm run serve on the demo data', () => {
  let dir: string;
  let serve: ServeHandle;
  let session: SessionRepository;
  let variables: { APP: string; KEY: string };
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clever-sync-docs-'));
    // The function modules read process.env, as in the Functions host; no key is set, as for a newcomer.
    Object.assign(process.env, {
      SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
      SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
      LOG_LEVEL: 'warn',
    });
    delete process.env.LOCAL_FUNCTION_KEY;
    const settings = join(dir, 'no-local.settings.json');
    const stdout = new Capture();
    const stderr = new Capture();
    const demo = await runCli(['--settings', settings, 'demo'], { io: { stdout, stderr }, env: process.env });
    expect(demo, stderr.text).toBe(0);

    serve = await startServe({ env: process.env, localSettingsPath: settings, port: 0, emulator: 'auto' });
    const banner = serveBanner(serve);
    const exported = Object.fromEntries(
      [...banner.matchAll(/^ {2}export (APP|KEY)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(exported).sort()).toEqual(['APP', 'KEY']);
    variables = exported as typeof variables;
    // The served functions' own SessionDb client (one process, as under `npm run serve`).
    session = (await getSyncServices()).session;
  }, 180_000);

  afterAll(async () => {
    await serve?.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a command as a shell would (bash, with curl and jq), after the runs it started ended. */
  async function shell(script: string): Promise<string> {
    await noRunRunning();
    const { stdout } = await run('bash', ['-c', script], {
      env: { ...process.env, ...variables },
      cwd: dir,
      timeout: 120_000,
    });
    return stdout;
  }

  /**
   * Waits until the runs earlier commands started have ended and let go of their leases (a run
   * records its end a moment before it releases them): a person types the next command later.
   */
  async function noRunRunning(): Promise<void> {
    const schools = await session.schools.list();
    const districts = await session.districts.list();
    const keys = [
      leaseKeys.all(),
      ...districts.map((d) => leaseKeys.district(d.cleverDistrictId)),
      ...schools.map((s) => leaseKeys.school(s.id)),
    ];
    for (let poll = 0; poll < 1_200; poll++) {
      const running = (await session.runs.listRecent(10)).some((r) => r.status === 'Running');
      if (!running && (await leasesFree(keys))) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error('a run did not end');
  }

  /** Probes each lease by taking and giving it back at once. */
  async function leasesFree(keys: string[]): Promise<boolean> {
    for (const key of keys) {
      const probe = await session.leases.tryAcquire(key, 'docs-test-probe', 5);
      if (!probe.acquired) return false;
      await session.leases.release(key, 'docs-test-probe');
    }
    return true;
  }

  /** Every JSON document the command printed: each starts on a line of its own with { or [. */
  function documents(output: string): unknown[] {
    const lines = output.split('\n');
    const starts = lines.flatMap((line, i) => (/^[{[]/.test(line) ? [i] : []));
    return starts.flatMap((start, n) => {
      try {
        return [JSON.parse(lines.slice(start, starts[n + 1] ?? lines.length).join('\n'))];
      } catch {
        return [];
      }
    });
  }

  function errorOf(document: unknown): unknown {
    return typeof document === 'object' && document !== null ? (document as { error?: unknown }).error : null;
  }

  it('starts with the block that sets $APP and $KEY, the variables the serve banner prints', () => {
    expect(bashBlocks.filter(isVariablesBlock)).toHaveLength(1);
    expect(isVariablesBlock(bashBlocks[0]!)).toBe(true);
    expect(bashBlocks.length).toBeGreaterThan(3);
  });

  it('every example answers without an error (each curl line on its own, other blocks whole)', async () => {
    const outputs: { command: string; output: string }[] = [];
    for (const block of bashBlocks.filter((b) => !isVariablesBlock(b))) {
      const lines = commandLines(block);
      const commands = lines.every((line) => line.startsWith('curl ')) ? lines : [block];
      for (const command of commands) outputs.push({ command, output: await shell(command) });
    }
    for (const { command, output } of outputs) {
      for (const document of documents(output))
        expect(errorOf(document), `${command}\n${output}`).toBeFalsy();
    }
    // The polling loop follows its run to the end and prints the outcome.
    const loop = outputs.find((o) => o.command.includes('while [ -n "$RUN" ]'));
    expect(loop).toBeDefined();
    const outcome = documents(loop!.output).at(-1) as { status: string; needsAttention: string[] };
    expect(outcome).toMatchObject({ status: 'Succeeded', needsAttention: [] });
  }, 600_000);

  it('the polling loop stops and shows the answer when the sync does not start (no endless loop)', async () => {
    const loop = bashBlocks.find((b) => b.includes('while [ -n "$RUN" ]'))!;
    const unknown = loop.replace(/schoolId=[0-9a-f]{24}/, 'schoolId=0123456789abcdef01234567');
    expect(unknown).not.toBe(loop);
    const output = await shell(unknown);
    expect(output).toContain('"NOT_FOUND"');
    expect(output).toContain('School 0123456789abcdef01234567 is not known');
  });

  it('shows a run with the fields the status route really returns', async () => {
    const documented = JSON.parse(jsonBlocks.find((b) => b.includes('"statusUrl"'))!) as Record<
      string,
      unknown
    >;
    const runId = (await session.runs.listRecent(1))[0]!.runId;
    const real = JSON.parse(
      await shell(`curl -s -H "x-functions-key: $KEY" "$APP/api/sync/runs/${runId}"`),
    ) as Record<string, unknown>;
    // `mode` is part of the POST answer only.
    expect(
      Object.keys(documented)
        .filter((k) => k !== 'mode')
        .sort(),
    ).toEqual(Object.keys(real).sort());
    const school = (documented.schools as Record<string, unknown>[])[0]!;
    expect(Object.keys(school).sort()).toEqual(Object.keys((real.schools as object[])[0]!).sort());
  });

  it('lists every function the app registers, in its table and its GET /api/functions example', async () => {
    const real = JSON.parse(await shell(`curl -s -H "x-functions-key: $KEY" "$APP/api/functions"`)) as {
      functions: { name: string }[];
    };
    const names = real.functions.map((f) => f.name).sort();
    const example = JSON.parse(jsonBlocks.find((b) => b.includes('"functions"'))!) as typeof real;
    expect(example.functions.map((f) => f.name).sort()).toEqual(names);
    const section = DOC.slice(DOC.indexOf('The app registers'), DOC.indexOf('The paths are exactly'));
    const table = [...section.matchAll(/^\| `([A-Za-z]+)` +\| /gm)].map((m) => m[1]!);
    expect(table.sort()).toEqual(names);
    expect(section).toContain(
      `registers ${['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][names.length]} functions`,
    );
  });
});
