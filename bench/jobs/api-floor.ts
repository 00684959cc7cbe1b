/**
 * API floor: everything the sync has to read from Clever, and nothing else. Same client (rate
 * limiter, retries, keep-alive sockets), same page size, same number of schools in flight; pages
 * are counted and dropped. For an incremental run, the events after the cursor the full sync took.
 */
import pLimit from 'p-limit';
import { type CleverSection, createCleverApiClient } from '../../src/clever/api/index.js';
import { DistrictCatalog } from '../../src/sync/execute/class-catalog.js';
import { newPullContext, noteReferences, ROSTER_SOURCES } from '../../src/sync/execute/streams.js';
import type { ApiFloorJob, JobResult } from '../lib/types.js';
import { appServicesFor, collect, timed } from './common.js';

export async function runApiFloor(job: ApiFloorJob): Promise<Omit<JobResult, 'peakRssBytes'>> {
  const app = await appServicesFor(job);
  const clever = createCleverApiClient({
    config: app.config,
    tokens: app.cleverAuth,
    logger: app.logger,
    http: app.cleverHttp,
  });
  try {
    const {
      value: records,
      wallMs,
      rssStartBytes,
    } = await timed(async () => {
      let records = 0;
      for (const district of await clever.getDistricts()) {
        const api = clever.forDistrict(district.id);
        if (job.events) {
          const query = job.events.startingAfter ? { startingAfter: job.events.startingAfter } : {};
          for await (const page of api.getEvents({ ...query, pageSize: job.pageSize }))
            records += page.length;
          continue;
        }
        const schools = await collect(api.getSchools({ pageSize: job.pageSize }));
        const limit = pLimit(job.concurrency);
        const catalog = new DistrictCatalog(api, job.pageSize);
        await Promise.all(
          schools.map((school) =>
            limit(async () => {
              // The listings the sync reads (src/sync/execute/streams.ts), each page dropped; the
              // class listings only when the compared sync reads them too.
              const sources = ROSTER_SOURCES.filter(
                (source) => job.classRosters === true || !source.classRoster,
              );
              // Courses and terms come from the district's catalogue, once, as the sync reads them.
              const context = newPullContext(catalog);
              for (const source of sources) {
                const sections = source.streams.some((stream) => stream.entity === 'sections');
                for await (const page of source.read(api, school.id, job.pageSize, context)) {
                  records += page.length;
                  if (sections)
                    for (const section of page as CleverSection[])
                      noteReferences(context.referenced, section.course, section.term_id);
                }
                if (sections) context.sectionsPulled = true;
              }
            }),
          ),
        );
      }
      return records;
    });
    const metrics = clever.metrics();
    return {
      wallMs,
      rssStartBytes,
      records,
      rowsWritten: 0,
      clientRequests: metrics.requests,
      rateLimitWaits: metrics.rateLimitWaits,
      rateLimitWaitMs: metrics.rateLimitWaitMs,
      ok: true,
      detail: { clientMetrics: metrics },
    };
  } finally {
    await app.dispose();
  }
}
