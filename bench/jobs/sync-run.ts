/**
 * The measured product: the services the CLI and the Functions host build (src/app.ts), then one
 * SyncService.syncAllDistricts run, full (an initial load into empty school databases) or
 * incremental (events since the previous run's cursor).
 */
import { createSyncServices } from '../../src/app.js';
import type { JobResult, SyncJob } from '../lib/types.js';
import { appServicesFor, timed } from './common.js';

export async function runSync(job: SyncJob): Promise<Omit<JobResult, 'peakRssBytes'>> {
  const app = await appServicesFor(job);
  const services = await createSyncServices(app);
  try {
    const {
      value: run,
      wallMs,
      rssStartBytes,
    } = await timed(() => services.sync.syncAllDistricts({ full: job.full, trigger: 'cli' }));
    const metrics = services.cleverApi.metrics();
    const c = run.counts;
    const district = run.districts[0];
    // run.counts sums the rosters; the section links (enrollments) are rows written too.
    const links = run.byEntity.enrollments;
    const written = (n: typeof c) => n.created + n.updated + n.archived + n.restored;
    return {
      wallMs,
      rssStartBytes,
      records: c.processed,
      rowsWritten: written(c) + (links ? written(links) : 0),
      clientRequests: metrics.requests,
      rateLimitWaits: metrics.rateLimitWaits,
      rateLimitWaitMs: metrics.rateLimitWaitMs,
      ok: run.status === 'Succeeded',
      ...(run.status === 'Succeeded'
        ? {}
        : { error: `run ${run.status}: ${run.error ?? run.warnings.join('; ') ?? ''}`.slice(0, 500) }),
      detail: {
        status: run.status,
        counts: c,
        byEntity: run.byEntity,
        schoolsTotal: run.schoolsTotal,
        schoolsCompleted: run.schoolsCompleted,
        schoolsFailed: run.schoolsFailed,
        mode: district?.mode,
        clientMetrics: metrics,
        failures: run.districts
          .flatMap((d) => d.schools)
          .filter((s) => s.status === 'Failed')
          .slice(0, 3)
          .map((s) => s.error),
      },
    };
  } finally {
    await services.dispose();
    await app.dispose();
  }
}
