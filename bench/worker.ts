/**
 * One measured run in a process of its own (forked by bench/run.ts): its peak RSS is the job's
 * alone, and the emulator it talks to runs in another process.
 */
import { serveCalls } from './lib/ipc.js';
import type { Job, JobResult } from './lib/types.js';

async function run(job: Job): Promise<JobResult> {
  let result: Omit<JobResult, 'peakRssBytes'>;
  let peak = { rss: 0, at: '' };
  const t0 = performance.now();
  const sampler = process.env.BENCH_MEMORY_PEAKS
    ? setInterval(() => {
        const rss = process.memoryUsage().rss;
        if (rss > peak.rss) peak = { rss, at: `${(performance.now() - t0).toFixed(0)} ms` };
      }, 10)
    : undefined;
  try {
    switch (job.kind) {
      // Each job loads only its own modules (the baseline never loads the product's services).
      case 'sync':
        result = await (await import('./jobs/sync-run.js')).runSync(job);
        break;
      case 'api-floor':
        result = await (await import('./jobs/api-floor.js')).runApiFloor(job);
        break;
      case 'db-floor':
        result = await (await import('./jobs/db-floor.js')).runDbFloor(job);
        break;
      case 'baseline':
        result = await (await import('./jobs/baseline.js')).runBaseline(job);
        break;
    }
  } catch (error) {
    result = {
      wallMs: Number.NaN,
      rssStartBytes: 0,
      records: 0,
      rowsWritten: 0,
      clientRequests: null,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
      ok: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  if (sampler) {
    clearInterval(sampler);
    process.stderr.write(
      `whole job: peak rss ${(peak.rss / 2 ** 20).toFixed(0)} MB at ${peak.at} of ${(performance.now() - t0).toFixed(0)} ms\n`,
    );
  }
  // getrusage's maxrss is in kilobytes on Linux.
  return { ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

serveCalls({ run });
