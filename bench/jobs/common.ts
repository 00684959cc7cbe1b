/** What every measured job shares: the product's configuration from job parameters, and timing. */
import pino from 'pino';
import { type AppServices, createAppServices } from '../../src/app.js';
import type { EmulatorEndpoint, JobResult } from '../lib/types.js';

export interface AppEnvironment {
  emulator: EmulatorEndpoint;
  logFile: string;
  pageSize?: number;
  concurrency?: number;
  sessionUrl?: string;
  schoolUrlTemplate?: string;
  /** SYNC_ENTITIES, e.g. students,teachers (unset: the product's default, every roster). */
  entities?: readonly string[];
}

/**
 * The settings a user puts in local.settings.json to point clever-sync at a Clever (here the
 * emulator) and at their databases. Everything else keeps the product's defaults (retries,
 * 1,200 requests/minute, pool sizes, info-level logging).
 */
export function settingsFor(options: AppEnvironment): Record<string, string> {
  return {
    CLEVER_CLIENT_ID: options.emulator.clientId,
    CLEVER_CLIENT_SECRET: options.emulator.clientSecret,
    CLEVER_API_BASE_URL: options.emulator.baseUrl,
    CLEVER_TOKENS_URL: options.emulator.tokensUrl,
    ...(options.pageSize ? { SYNC_PAGE_SIZE: String(options.pageSize) } : {}),
    ...(options.concurrency ? { SYNC_MAX_CONCURRENT_SCHOOLS: String(options.concurrency) } : {}),
    ...(options.sessionUrl ? { SESSION_DATABASE_URL: options.sessionUrl } : {}),
    ...(options.schoolUrlTemplate ? { SCHOOL_DATABASE_URL_TEMPLATE: options.schoolUrlTemplate } : {}),
    ...(options.entities ? { SYNC_ENTITIES: options.entities.join(',') } : {}),
    LOG_LEVEL: 'info',
  };
}

/** The composition root's services, logging to a file (log lines cost the same; the terminal stays readable). */
export async function appServicesFor(options: AppEnvironment): Promise<AppServices> {
  return createAppServices({
    env: settingsFor(options),
    startBackground: false,
    logDestination: pino.destination({ dest: options.logFile, sync: false, mkdir: true }),
  });
}

export type Measured = Omit<JobResult, 'rssStartBytes' | 'peakRssBytes'>;

/**
 * Times `work` (setup before it is not timed) and samples RSS at its start. The peak RSS is the
 * process's own maximum (getrusage), read by the worker after the job.
 */
export async function timed<T>(
  work: () => Promise<T>,
): Promise<{ value: T; wallMs: number; rssStartBytes: number }> {
  global.gc?.();
  const rssStartBytes = process.memoryUsage().rss;
  const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    for (const key of Object.keys(peaks) as (keyof typeof peaks)[])
      peaks[key] = Math.max(peaks[key], now[key]);
  }, 25);
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  if (process.env.BENCH_MEMORY_PEAKS)
    process.stderr.write(
      `timed window from ${(performance.now() - wallMs).toFixed(0)} ms: memory peaks MB: ${Object.entries(
        peaks,
      )
        .map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)}`)
        .join(', ')}\n`,
    );
  return { value, wallMs, rssStartBytes };
}

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
