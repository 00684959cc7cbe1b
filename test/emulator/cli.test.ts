import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { basicAuth, jsonOf } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('emulator CLI', () => {
  it('starts, prints how to use it, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--schools', '2'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Ctrl-C')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`CLI exited early (${code})`)));
      });
      const baseUrl = /CLEVER_API_BASE_URL=(\S+)/.exec(output)![1]!;
      const tokensUrl = /CLEVER_TOKENS_URL=(\S+)/.exec(output)![1]!;
      const clientId = /CLEVER_CLIENT_ID=(\S+)/.exec(output)![1]!;
      const secret = /CLEVER_CLIENT_SECRET=(\S+)/.exec(output)![1]!;
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const tokens = await fetch(`${tokensUrl}?owner_type=district`, {
        headers: { authorization: basicAuth(clientId, secret) },
      });
      const token = (await jsonOf(tokens)).data[0].access_token;
      const schools = await fetch(`${baseUrl}/v3.0/schools`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect((await jsonOf(schools)).data).toHaveLength(2);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('turns generated classes and the read:sections scope off with --no-sections, --no-sections-scope', async () => {
    const get = async (args: string[], path: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let output = '';
        child.stdout.setEncoding('utf8');
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: string) => {
            output += chunk;
            if (output.includes('Ctrl-C')) resolve();
          });
          child.once('exit', (code) => reject(new Error(`CLI exited early (${code})`)));
        });
        const baseUrl = /CLEVER_API_BASE_URL=(\S+)/.exec(output)![1]!;
        const tokens = await fetch(`${baseUrl}/oauth/tokens?owner_type=district`, {
          headers: { authorization: basicAuth('emulator-client-id', 'emulator-client-secret') },
        });
        const { access_token: token, scopes } = (await jsonOf(tokens)).data[0];
        const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, body: await jsonOf(response), scopes: scopes as string[] };
      } finally {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    };
    const [withClasses, without, unscoped] = await Promise.all([
      get(['--schools', '1', '--students', '25'], '/v3.0/terms'),
      get(['--schools', '1', '--students', '25', '--no-sections'], '/v3.0/terms'),
      get(['--schools', '1', '--students', '25', '--no-sections-scope'], '/v3.0/sections'),
    ]);
    expect(withClasses.body.data).toHaveLength(2);
    expect(withClasses.scopes).toContain('read:sections');
    expect(without.body.data).toEqual([]);
    expect(unscoped.status).toBe(403);
    expect(unscoped.scopes).not.toContain('read:sections');
  });

  it('rejects bad options with a message', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'emulator/cli.ts', '--multi-school-share', '3'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/multi-school-share/);
  });
});
