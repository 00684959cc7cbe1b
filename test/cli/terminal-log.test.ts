import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import {
  CLEAR_LINE,
  cliLogDestination,
  type LoadLineFormatter,
  loadPinoPretty,
  PRETTY_UNAVAILABLE,
} from '../../src/cli/terminal-log.js';
import { createLogger } from '../../src/telemetry/index.js';
import { TINY_DISTRICT } from '../functions/support/stack.js';
import { Capture } from '../support/recording.js';

/** A formatter standing in for pino-pretty: level and message, as a person reads them. */
const humanLines: LoadLineFormatter = async () => (line) => {
  const entry = JSON.parse(line) as { level: string; msg: string };
  return `${entry.level.toUpperCase()}: ${entry.msg}\n`;
};

const JSON_LINE = /^\{"level":/m;
/** The text without the progress-line clearing each line starts with on a terminal. */
const plain = (text: string) => text.split(CLEAR_LINE).join('');

describe('CLI log lines: human on a terminal, JSON for pipes, files and --json', () => {
  it('formats each line on a terminal, clearing the progress line first', async () => {
    const terminal = new Capture(true);
    const logger = createLogger({
      level: 'info',
      destination: await cliLogDestination(terminal, { json: false, loadFormatter: humanLines }),
    });
    logger.info({ runId: 'run-1' }, 'sync run started');
    expect(terminal.text).toBe('\r\x1b[KINFO: sync run started\n');
  });

  it('keeps JSON off a terminal and with --json, without loading a formatter', async () => {
    let loaded = 0;
    const counting: LoadLineFormatter = async (options) => {
      loaded += 1;
      return humanLines(options);
    };
    for (const [terminal, json] of [
      [new Capture(false), false],
      [new Capture(true), true],
    ] as const) {
      const logger = createLogger({
        level: 'info',
        destination: await cliLogDestination(terminal, { json, loadFormatter: counting }),
      });
      logger.info('sync run started');
      // On a terminal (--json) the line still clears the progress line first; piped, it is pure JSON.
      expect(terminal.text.startsWith(CLEAR_LINE)).toBe(terminal.isTTY);
      expect(plain(terminal.text)).toMatch(/^\{"level":"info",.*"msg":"sync run started"\}\n$/);
    }
    expect(loaded).toBe(0);
  });

  it('says once that lines stay JSON when no formatter can be loaded', async () => {
    const terminal = new Capture(true);
    const logger = createLogger({
      level: 'info',
      destination: await cliLogDestination(terminal, { json: false, loadFormatter: async () => undefined }),
    });
    logger.info('one');
    logger.info('two');
    expect(terminal.text.split(PRETTY_UNAVAILABLE)).toHaveLength(2);
    expect(terminal.text.split(`${CLEAR_LINE}{"level":"info"`)).toHaveLength(3);
  });

  it('uses pino-pretty when it is installed, and keeps JSON (undefined formatter) when it is not', async () => {
    const format = await loadPinoPretty({ colorize: false });
    let installed = true;
    try {
      await import('pino-pretty' as string);
    } catch {
      installed = false;
    }
    if (!installed) {
      expect(format).toBeUndefined();
      return;
    }
    const line =
      '{"level":"info","time":"2026-01-01T02:00:00.000Z","service":"clever-sync","runId":"r-1","msg":"sync run started"}';
    const text = format!(line)!;
    expect(text).toContain('INFO');
    expect(text).toContain('sync run started');
    expect(text).toContain('r-1');
    expect(text).not.toContain('"level"');
  });

  describe('clever-sync sync with LOG_LEVEL=info', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clever-sync-logs-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      SESSION_DATABASE_URL: `file:${join(dir, 'session.db')}`,
      SCHOOL_DATABASE_URL_TEMPLATE: `file:${join(dir, 'school-{schoolId}.db')}`,
      LOG_LEVEL: 'info',
    };

    async function sync(args: string[], tty: boolean) {
      const stdout = new Capture(tty);
      const stderr = new Capture(tty);
      const io: CliIo = { stdout, stderr };
      const code = await runCli(['--settings', join(dir, 'none.json'), 'sync', ...args], {
        io,
        env,
        emulatorOptions: TINY_DISTRICT,
        loadLogFormatter: humanLines,
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    }

    it('on a terminal: human log lines among the progress display, no JSON', async () => {
      const { code, stderr } = await sync([], true);
      expect(code).toBe(0);
      expect(stderr).toContain('INFO: sync run started');
      expect(stderr).toContain('INFO: sync run finished');
      expect(stderr).toMatch(/schools \d+\/\d+/);
      expect(plain(stderr)).not.toMatch(JSON_LINE);
    });

    it('piped, or with --json: JSON log lines', async () => {
      const piped = await sync([], false);
      expect(piped.stderr).toMatch(JSON_LINE);
      expect(piped.stderr).not.toContain(CLEAR_LINE);
      expect(piped.stderr).not.toContain('INFO: sync run started');
      const json = await sync(['--json'], true);
      expect(plain(json.stderr)).toMatch(JSON_LINE);
      expect(JSON.parse(json.stdout)).toMatchObject({ status: 'Succeeded' });
    });
  });
});
