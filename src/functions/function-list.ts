import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { routePath } from './host-routes.js';
import { ALL_HTTP_METHODS, json } from './http-responses.js';
import { type RegisteredFunction, registeredFunctions, registerHttp } from './registry.js';

/**
 * GET /api/functions: what this deployment registered (names, triggers, routes, schedules), so the
 * post-deploy validation can check the timer and the manual trigger exist without the ARM admin
 * API. Settings names of connections are left out: nothing here helps an attacker.
 */
export interface FunctionDescription {
  name: string;
  trigger: 'http' | 'timer' | 'storageQueue';
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
  runOnStartup?: boolean;
  queueName?: string;
}

export function describeFunction(fn: RegisteredFunction): FunctionDescription {
  switch (fn.kind) {
    case 'http':
      return {
        name: fn.name,
        trigger: 'http',
        route: routePath(fn.options.route ?? fn.name),
        methods: fn.options.methods ?? ALL_HTTP_METHODS,
        authLevel: fn.options.authLevel ?? 'function',
      };
    case 'timer':
      return {
        name: fn.name,
        trigger: 'timer',
        schedule: fn.options.schedule,
        runOnStartup: fn.options.runOnStartup ?? false,
      };
    case 'storageQueue':
      return { name: fn.name, trigger: 'storageQueue', queueName: fn.options.queueName };
  }
}

export async function listFunctionsHandler(
  _request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const functions = registeredFunctions()
    .map(describeFunction)
    .sort((a, b) => a.name.localeCompare(b.name));
  return json(200, { functions });
}

registerHttp('ListFunctions', {
  route: 'api/functions',
  methods: ['GET'],
  authLevel: 'function',
  handler: listFunctionsHandler,
});
