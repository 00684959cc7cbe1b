/** Runs the baseline (bench/baseline/naive-sync.ts) as a measured job. */
import { naiveSync } from '../baseline/naive-sync.js';
import type { BaselineJob, JobResult } from '../lib/types.js';
import { timed } from './common.js';

export async function runBaseline(job: BaselineJob): Promise<Omit<JobResult, 'peakRssBytes'>> {
  const {
    value: stats,
    wallMs,
    rssStartBytes,
  } = await timed(() =>
    naiveSync({
      ...job.emulator,
      pageSize: job.pageSize,
      schoolUrl: (schoolId) => job.schoolUrlTemplate.replaceAll('{schoolId}', schoolId),
      ...(job.schoolIds ? { onlySchools: new Set(job.schoolIds) } : {}),
    }),
  );
  return {
    wallMs,
    rssStartBytes,
    records: stats.records,
    rowsWritten: stats.upserts,
    clientRequests: stats.requests,
    rateLimitWaits: stats.rateLimitWaits,
    rateLimitWaitMs: stats.rateLimitWaitMs,
    ok: true,
    detail: { ...stats },
  };
}
