/**
 * A sync process that the fault matrix kills mid-run (SIGKILL): it shares the test's
 * SessionDb, school databases and emulator, and holds its leases for one second only, so they
 * expire soon after it dies. Configuration arrives as JSON in CRASH_CHILD_CONFIG.
 */
import { createCleverApiClient } from '../../src/clever/api/index.js';
import { clientCredentialsFrom } from '../../src/clever/auth/client-credentials.js';
import { CleverAuthService } from '../../src/clever/auth/index.js';
import { CleverHttpClients } from '../../src/clever/http/index.js';
import { loadConfigSync } from '../../src/config/index.js';
import { createSchoolDatabaseProvider, createSessionRepository } from '../../src/db/index.js';
import { createSyncService } from '../../src/sync/service.js';
import { silentLogger } from '../../src/telemetry/index.js';

const input = JSON.parse(process.env.CRASH_CHILD_CONFIG ?? '{}') as {
  settings: Record<string, string>;
  sessionUrl: string;
  schoolTemplate: string;
  /** A full run: every school pulls its rosters (the parent kills the child mid-pull). */
  full?: boolean;
};
const config = loadConfigSync(input.settings);
const logger = silentLogger();
const session = await createSessionRepository(input.sessionUrl, { migrate: 'never', logger });
const schools = createSchoolDatabaseProvider({ urlTemplate: input.schoolTemplate, logger, sweepIdle: false });
const auth = new CleverAuthService({
  clever: config.clever,
  httpClients: new CleverHttpClients({ timeoutMs: config.clever.timeoutMs }),
  credentials: clientCredentialsFrom(config.clever, undefined),
  logger,
});
const service = createSyncService({
  session,
  schoolDatabases: schools,
  clever: createCleverApiClient({ config, tokens: auth, logger }),
  tokens: auth,
  config: { ...config.sync, leaseSeconds: 1 },
  logger,
});
const started = await service.start({ scope: 'all' }, { trigger: 'timer', full: input.full ?? false });
process.stdout.write(`${JSON.stringify({ runId: started.runId })}\n`);
await started.done;
