/**
 * A small request/response protocol over Node's child-process IPC channel. The benchmark keeps
 * the emulator and every measured run in processes of their own, so one's CPU and memory never
 * show up in another's figures; the orchestrator drives them with these calls.
 */
import { type ChildProcess, fork } from 'node:child_process';

interface Request {
  id: number;
  method: string;
  params: unknown;
}

interface Response {
  id: number;
  result?: unknown;
  error?: string;
}

export type Handlers = Record<string, (params: never) => unknown>;

/** Child side: answers calls with `handlers`; `exit` ends the process once answered. */
export function serveCalls(handlers: Handlers): void {
  if (!process.send) throw new Error('this script runs as a child of bench/run.ts (no IPC channel)');
  process.on('message', async (message: Request) => {
    let response: Response;
    try {
      if (message.method === 'exit') {
        process.send?.({ id: message.id, result: null }, () => process.exit(0));
        return;
      }
      const handler = handlers[message.method];
      if (!handler) throw new Error(`unknown method ${message.method}`);
      response = { id: message.id, result: await (handler as (p: unknown) => unknown)(message.params) };
    } catch (error) {
      response = {
        id: message.id,
        error:
          error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
      };
    }
    process.send?.(response);
  });
  process.on('disconnect', () => process.exit(0));
}

export interface Child {
  readonly pid: number;
  /** Calls a handler; rejects after `timeoutMs` (and kills the child) or when the child dies. */
  call<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit; kills it if it has not within a few seconds. */
  close(): Promise<void>;
  kill(): void;
}

/**
 * Forks a script that calls serveCalls: TypeScript through tsx, or compiled JavaScript (`.js`) on
 * plain Node, as Azure runs the app.
 */
export function forkChild(
  script: string,
  options: { env?: NodeJS.ProcessEnv; name: string; nodeArgs?: string[] },
): Child {
  const child: ChildProcess = fork(script, [], {
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeArgs ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const p of pending.values()) {
        p.reject(new Error(`${options.name} exited (code ${code}, signal ${signal}) during a call`));
      }
      pending.clear();
      resolve();
    });
  });
  child.on('message', (message: Response) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(`${options.name}: ${message.error}`));
    else waiter.resolve(message.result);
  });
  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };
  return {
    pid: child.pid ?? -1,
    call<T>(method: string, params?: unknown, timeoutMs = 600_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${options.name} is not running`));
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          kill();
          reject(
            new Error(`${options.name}: ${method} did not finish within ${Math.round(timeoutMs / 1000)} s`),
          );
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, method, params } satisfies Request);
      });
    },
    async close() {
      if (exited) return;
      const timer = setTimeout(kill, 5_000);
      await this.call('exit', undefined, 5_000).catch(() => undefined);
      await exit;
      clearTimeout(timer);
    },
    kill,
  };
}
