/**
 * What the sync functions need from the composition root, built once per worker on first use
 * (a bad configuration then fails the invocation with its ConfigError, not the worker's start-up,
 * so the health route keeps answering).
 */
import { getSyncServices, type SyncServices } from '../app.js';

export interface SyncFunctionsDeps extends SyncServices {
  /** How long POST /api/sync waits for a run to finish before answering 202 (0 = never waits). */
  waitBudgetMs: number;
}

export async function syncFunctionsDeps(): Promise<SyncFunctionsDeps> {
  const services = await getSyncServices();
  return { ...services, waitBudgetMs: services.config.sync.httpWaitSeconds * 1_000 };
}
