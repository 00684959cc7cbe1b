import { createRequire } from 'node:module';
import {
  app,
  type HttpFunctionOptions,
  type StorageQueueFunctionOptions,
  type TimerFunctionOptions,
} from '@azure/functions';

/**
 * Every function registration goes through here. Inside the Azure Functions host the call is
 * forwarded to `app.*`; everywhere (host or not) it is also recorded, so the local runner
 * (`npm run serve`), the function listing route and tests can see exactly what is registered
 * without Azure Functions Core Tools. Outside the host `app.*` would only print a warning.
 */
export type RegisteredFunction =
  | { kind: 'http'; name: string; options: HttpFunctionOptions }
  | { kind: 'timer'; name: string; options: TimerFunctionOptions }
  | { kind: 'storageQueue'; name: string; options: StorageQueueFunctionOptions };

const registered = new Map<string, RegisteredFunction>();

/** The worker serves `@azure/functions-core` by proxying `require` (there is no file to resolve). */
function insideFunctionsHost(): boolean {
  try {
    createRequire(import.meta.url)('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}

const forwardToHost = insideFunctionsHost();

function record(fn: RegisteredFunction): void {
  if (registered.has(fn.name)) throw new Error(`Function "${fn.name}" is registered twice`);
  registered.set(fn.name, fn);
}

export function registerHttp(name: string, options: HttpFunctionOptions): void {
  record({ kind: 'http', name, options });
  if (forwardToHost) app.http(name, options);
}

export function registerTimer(name: string, options: TimerFunctionOptions): void {
  record({ kind: 'timer', name, options });
  if (forwardToHost) app.timer(name, options);
}

export function registerStorageQueue(name: string, options: StorageQueueFunctionOptions): void {
  record({ kind: 'storageQueue', name, options });
  if (forwardToHost) app.storageQueue(name, options);
}

export function registeredFunctions(): RegisteredFunction[] {
  return [...registered.values()];
}
