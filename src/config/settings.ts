import { z } from 'zod';
import { CLEVER_URL_RULE, isAllowedCleverUrl } from './clever-urls.js';

/**
 * Every setting clever-sync reads, by its exact environment / App Configuration key.
 * docs/configuration.md documents each one; a test checks the two agree.
 *
 * Values arrive as strings (environment, local.settings.json, App Configuration), so each
 * schema coerces. `secret: true` keys are never echoed in errors or logs.
 */
export interface SettingSpec {
  schema: z.ZodType;
  secret?: boolean;
  description: string;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = z.string().trim().url();
/** A Clever endpoint: credentials and tokens travel to it (clever-urls.ts). */
const cleverUrl = url.refine(
  (value) => !URL.canParse(value) || isAllowedCleverUrl(new URL(value)),
  CLEVER_URL_RULE,
);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
/** Azure Storage queue names. */
const queueName = z
  .string()
  .regex(
    /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'must be 3-63 lowercase letters, digits and single dashes',
  );
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const SETTINGS = {
  // Clever access
  CLEVER_CLIENT_ID: { schema: z.string().min(1).optional(), description: 'Clever application client id.' },
  CLEVER_CLIENT_SECRET: {
    schema: z.string().min(1).optional(),
    secret: true,
    description: 'Clever application client secret (prefer Key Vault secret `clever-client-secret`).',
  },
  CLEVER_API_BASE_URL: {
    schema: cleverUrl.default('https://api.clever.com'),
    description: 'Clever Data API host, without the version.',
  },
  CLEVER_API_VERSION: {
    schema: z
      .string()
      .regex(/^v3\.[01]$/, 'must be v3.0 or v3.1')
      .default('v3.0'),
    description: 'Clever Data API version path segment.',
  },
  CLEVER_TOKENS_URL: {
    schema: cleverUrl.default('https://clever.com/oauth/tokens'),
    description:
      'Clever district-token discovery endpoint (or an OAuth token endpoint in client-credentials mode).',
  },
  CLEVER_AUTH_MODE: {
    schema: z.enum(['district-tokens', 'client-credentials']).default('district-tokens'),
    description:
      '`district-tokens`: discover district-app tokens with GET /oauth/tokens (real Clever). `client-credentials`: OAuth 2.0 client_credentials POST for gateways issuing expiring tokens.',
  },
  CLEVER_TOKEN_REFRESH_FRACTION: {
    schema: z.coerce.number().gt(0).lt(1).default(0.75),
    description: 'Client-credentials mode: refresh a token after this fraction of its lifetime.',
  },
  CLEVER_DISTRICT_IDS: {
    schema: commaList.optional(),
    description: 'Comma-separated Clever district ids to sync; unset = every district that shared data.',
  },
  CLEVER_HTTP_TIMEOUT_MS: { schema: int(1000, 600_000).default(30_000), description: 'Per-request timeout.' },
  CLEVER_RETRY_COUNT: { schema: int(0, 20).default(5), description: 'Retries of transient Clever failures.' },
  CLEVER_RETRY_INITIAL_DELAY_MS: {
    schema: int(0, 600_000).default(2_000),
    description: 'First retry delay; doubles each attempt (2/4/8/16/32 s by default).',
  },
  CLEVER_RETRY_MAX_DELAY_MS: {
    schema: int(0, 3_600_000).default(32_000),
    description: 'Upper bound of one retry delay.',
  },
  CLEVER_RATE_LIMIT_PER_MINUTE: {
    schema: int(1, 100_000).default(1_200),
    description: 'Request budget per bearer token per minute (Clever: 1,200).',
  },
  CLEVER_CIRCUIT_BREAKER_FAILURES: {
    schema: int(1, 1_000).default(10),
    description: 'Consecutive failures to one Clever host that open its circuit breaker.',
  },
  CLEVER_CIRCUIT_BREAKER_HALF_OPEN_MS: {
    schema: int(1_000, 3_600_000).default(30_000),
    description: 'How long an open circuit waits before letting one request through.',
  },

  // Secrets and remote configuration
  KEY_VAULT_URL: {
    schema: url.optional(),
    description: 'Key Vault URI, e.g. https://my-vault.vault.azure.net.',
  },
  KEY_VAULT_CACHE_TTL_SECONDS: {
    schema: int(0, 86_400).default(300),
    description: 'How long a secret read from Key Vault is cached in memory.',
  },
  KEY_VAULT_RETRY_MAX_DELAY_MS: {
    schema: int(100, 3_600_000).default(60_000),
    description: 'Upper bound of the background retry delay while Key Vault is unreachable.',
  },
  AZURE_CREDENTIAL_KIND: {
    schema: z.enum(['auto', 'managed-identity', 'default']).default('auto'),
    description:
      '`managed-identity` in Azure, `default` (DefaultAzureCredential) locally; `auto` picks by whether the app runs in Azure.',
  },
  WEBSITE_INSTANCE_ID: {
    schema: z.string().min(1).optional(),
    description:
      'Set by Azure App Service / Functions (never set it yourself): its presence tells `AZURE_CREDENTIAL_KIND=auto` that the app runs in Azure.',
  },
  AZURE_CLIENT_ID: {
    schema: z.string().min(1).optional(),
    description: 'Client id of a user-assigned managed identity (unset = system-assigned).',
  },
  APP_CONFIG_ENDPOINT: {
    schema: url.optional(),
    description:
      'Azure App Configuration endpoint; when set, its keys fill settings not set in the environment.',
  },
  APP_CONFIG_LABEL: { schema: z.string().optional(), description: 'App Configuration label to select.' },

  // Health and telemetry
  HEALTH_CACHE_INTERVAL_SECONDS: {
    schema: int(1, 3_600).default(30),
    description: 'How often the Clever auth health check refreshes in the background.',
  },
  HEAP_GROWTH_PERCENT: {
    schema: int(0, 400).default(50),
    description:
      'How far the JavaScript heap may grow past what the last full garbage collection kept (percent); 0 leaves V8 its own heuristic, which lets a sync grow its heap to several times what it holds.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    description: 'pino log level.',
  },
  APPLICATIONINSIGHTS_CONNECTION_STRING: {
    schema: z.string().min(1).optional(),
    secret: true,
    description: 'Application Insights connection string; telemetry is off when unset.',
  },

  // Sync
  SYNC_MAX_CONCURRENT_SCHOOLS: { schema: int(1, 100).default(5), description: 'Schools synced at once.' },
  SYNC_PAGE_SIZE: {
    schema: int(1, 10_000).default(100),
    description: 'Clever page size (`limit`), 1..10000.',
  },
  SYNC_TIMER_SCHEDULE: {
    schema: z.string().min(1).default('0 0 2 * * *'),
    description: 'NCRONTAB schedule of the nightly sync (default 02:00 UTC).',
  },
  SYNC_ARCHIVE_GUARD_FRACTION: {
    schema: z.coerce.number().gt(0).max(1).default(0.3),
    description: 'A full sync that would archive more than this share of active rows is held instead.',
  },
  SYNC_LEASE_SECONDS: {
    schema: int(30, 86_400).default(3_600),
    description: 'Lifetime of the per-school lease that keeps two syncs of one school apart.',
  },
  SYNC_DISPATCH_MODE: {
    schema: z.enum(['in-process', 'queued-run', 'queue']).default('in-process'),
    description:
      '`in-process`: the timer and POST /api/sync sync in the instance that received them (at most SYNC_MAX_CONCURRENT_SCHOOLS schools at once; local runner and CLI). `queued-run` (what infra/ deploys): they record the run and enqueue one message on SYNC_RUN_QUEUE_NAME, and the run queue trigger runs it in process inside an invocation the host tracks. `queue`: they enqueue one message per school on SYNC_QUEUE_NAME and the queue trigger syncs each school, so Azure spreads schools across instances (docs/scaling.md).',
  },
  SYNC_QUEUE_NAME: {
    schema: queueName.default('clever-sync-schools'),
    description:
      'Storage queue of the queue mode (one message per school); failed messages end in `<name>-poison`.',
  },
  SYNC_RUN_QUEUE_NAME: {
    schema: queueName.default('clever-sync-runs'),
    description:
      'Storage queue of whole runs (`queued-run` mode, and runs the `queue` mode keeps in one process); failed messages end in `<name>-poison`.',
  },
  SYNC_HTTP_WAIT_SECONDS: {
    schema: int(0, 60).default(2),
    description:
      'POST /api/sync waits this long for the run to end and then answers 200 with its result; longer runs answer 202 with a status URL (0 = always 202).',
  },
  AzureWebJobsStorage: {
    schema: z.string().min(1).optional(),
    secret: true,
    description:
      'Functions host storage connection string (set by the platform; `UseDevelopmentStorage=true` for Azurite). The queue mode sends its messages to this account.',
  },
  AzureWebJobsStorage__queueServiceUri: {
    schema: url.optional(),
    description:
      'Identity-based host storage: queue endpoint the queue mode sends to when AzureWebJobsStorage is unset (the identity needs Storage Queue Data Message Sender).',
  },
  LOCAL_FUNCTION_KEY: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    secret: true,
    description:
      'Function key `npm run serve` (the local runner) accepts as x-functions-key or ?code=; a random key is generated and shown once when unset.',
  },
  SYNC_ENTITIES: {
    schema: commaList
      .pipe(
        z
          .array(z.enum(['students', 'teachers', 'sections', 'courses', 'terms']))
          .min(1, 'name at least one of students, teachers, sections, courses, terms'),
      )
      .optional(),
    description:
      'Comma-separated rosters to sync: students, teachers, sections (with their enrollments), courses, terms. Unset = all of them; class rosters a district does not share (403) are skipped with one warning.',
  },
  SYNC_EVENTS_ENABLED: {
    schema: bool.default(true),
    description:
      'Use the Clever Events API for incremental syncs (falls back to full sync when unavailable).',
  },

  // Databases
  SESSION_DATABASE_URL: {
    schema: z.string().min(1).default('file:./data/session.db'),
    secret: true,
    description: 'SessionDb connection URL: `file:` (SQLite), `postgresql://`, or `sqlserver://`.',
  },
  SCHOOL_DATABASE_URL_TEMPLATE: {
    schema: z.string().min(1).default('file:./data/schools/school-{schoolId}.db'),
    secret: true,
    description:
      'Per-school database URL with `{schoolId}`; used when Key Vault holds no school connection secret.',
  },
  DATABASE_POOL_MAX: { schema: int(1, 200).default(5), description: 'Connections per database pool.' },
  DATABASE_IDLE_CLOSE_SECONDS: {
    schema: int(10, 86_400).default(300),
    description:
      'School database clients unused this long are closed, and pooled connections idle this long (PostgreSQL, SQL Server).',
  },
  DATABASE_RETRY_COUNT: {
    schema: int(0, 10).default(3),
    description: 'Retries of transient database errors.',
  },
  DATABASE_REQUEST_TIMEOUT_SECONDS: {
    schema: int(15, 3_600).default(300),
    description:
      'SQL Server: how long one statement (a chunk MERGE, an archive) may run before the driver cancels it.',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

export const SECRET_SETTING_KEYS: ReadonlySet<string> = new Set(
  Object.entries(SETTINGS)
    .filter(([, spec]) => (spec as SettingSpec).secret)
    .map(([key]) => key),
);

/** Parsed settings keyed by their external names. */
export type Settings = { [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };
