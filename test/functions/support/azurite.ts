import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real Azurite queue service on 127.0.0.1 and a free port, in memory. Azurite's development
 * account and key are public constants documented by Microsoft (they protect nothing).
 */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = [
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UV',
  'ErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
].join('');

export interface AzuriteQueue {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzuriteQueue(): Promise<AzuriteQueue> {
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'queue', 'main.js');
  const workspace = mkdtempSync(join(tmpdir(), 'azurite-'));
  const child = spawn(
    process.execPath,
    [
      entry,
      '--silent',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      '0',
    ],
    // In memory, but Azurite still writes its debug/telemetry bits into the working directory.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: workspace },
  );
  const port = await listeningPort(child);
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `QueueEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
  ].join(';');
  return {
    connectionString,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`Azurite exited (${code}) before listening: ${output.slice(-500)}`)),
    );
    child.once('error', reject);
  });
}
