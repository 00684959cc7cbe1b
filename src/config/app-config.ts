import { ROSTER_ENTITY_NAMES, type RosterEntity } from '../domain/index.js';
import type { Settings } from './settings.js';

/** The typed configuration every service receives from the composition root. */
export interface AppConfig {
  clever: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    apiBaseUrl: string;
    apiVersion: string;
    tokensUrl: string;
    authMode: 'district-tokens' | 'client-credentials';
    tokenRefreshFraction: number;
    districtIds: string[] | undefined;
    timeoutMs: number;
    retry: { count: number; initialDelayMs: number; maxDelayMs: number };
    rateLimitPerMinute: number;
    circuitBreaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  };
  keyVault: {
    url: string | undefined;
    cacheTtlSeconds: number;
    retryMaxDelayMs: number;
  };
  azureCredential: {
    kind: 'auto' | 'managed-identity' | 'default';
    managedIdentityClientId: string | undefined;
    /** True when Azure App Service / Functions hosts the app (WEBSITE_INSTANCE_ID is set). */
    runningInAzure: boolean;
  };
  appConfiguration: { endpoint: string | undefined; label: string | undefined };
  health: { cacheIntervalSeconds: number };
  telemetry: { logLevel: Settings['LOG_LEVEL']; appInsightsConnectionString: string | undefined };
  /** HEAP_GROWTH_PERCENT: V8's heap growing factor, applied by src/heap-growth.ts (0: V8's own). */
  runtime: { heapGrowthPercent: number };
  sync: {
    maxConcurrentSchools: number;
    pageSize: number;
    timerSchedule: string;
    archiveGuardFraction: number;
    leaseSeconds: number;
    eventsEnabled: boolean;
    /** The rosters to sync (SYNC_ENTITIES; default all). */
    entities: readonly RosterEntity[];
    /** How the timer and the manual trigger run a sync (docs/scaling.md). */
    dispatchMode: 'in-process' | 'queued-run' | 'queue';
    /** One message per school (`queue` mode). */
    queueName: string;
    /** One message per run (`queued-run` mode, and the runs `queue` mode keeps in one process). */
    runQueueName: string;
    httpWaitSeconds: number;
  };
  /** The Functions host storage account (queue mode). */
  hostStorage: { connectionString: string | undefined; queueServiceUri: string | undefined };
  localRunner: { functionKey: string | undefined };
  database: {
    sessionUrl: string;
    schoolUrlTemplate: string;
    poolMax: number;
    idleCloseSeconds: number;
    retryCount: number;
    requestTimeoutSeconds: number;
  };
}

export function toAppConfig(s: Settings): AppConfig {
  return {
    clever: {
      clientId: s.CLEVER_CLIENT_ID,
      clientSecret: s.CLEVER_CLIENT_SECRET,
      apiBaseUrl: s.CLEVER_API_BASE_URL.replace(/\/+$/, ''),
      apiVersion: s.CLEVER_API_VERSION,
      tokensUrl: s.CLEVER_TOKENS_URL,
      authMode: s.CLEVER_AUTH_MODE,
      tokenRefreshFraction: s.CLEVER_TOKEN_REFRESH_FRACTION,
      districtIds: s.CLEVER_DISTRICT_IDS?.length ? s.CLEVER_DISTRICT_IDS : undefined,
      timeoutMs: s.CLEVER_HTTP_TIMEOUT_MS,
      retry: {
        count: s.CLEVER_RETRY_COUNT,
        initialDelayMs: s.CLEVER_RETRY_INITIAL_DELAY_MS,
        maxDelayMs: s.CLEVER_RETRY_MAX_DELAY_MS,
      },
      rateLimitPerMinute: s.CLEVER_RATE_LIMIT_PER_MINUTE,
      circuitBreaker: {
        consecutiveFailures: s.CLEVER_CIRCUIT_BREAKER_FAILURES,
        halfOpenAfterMs: s.CLEVER_CIRCUIT_BREAKER_HALF_OPEN_MS,
      },
    },
    keyVault: {
      url: s.KEY_VAULT_URL,
      cacheTtlSeconds: s.KEY_VAULT_CACHE_TTL_SECONDS,
      retryMaxDelayMs: s.KEY_VAULT_RETRY_MAX_DELAY_MS,
    },
    azureCredential: {
      kind: s.AZURE_CREDENTIAL_KIND,
      managedIdentityClientId: s.AZURE_CLIENT_ID,
      runningInAzure: s.WEBSITE_INSTANCE_ID !== undefined,
    },
    appConfiguration: { endpoint: s.APP_CONFIG_ENDPOINT, label: s.APP_CONFIG_LABEL },
    health: { cacheIntervalSeconds: s.HEALTH_CACHE_INTERVAL_SECONDS },
    telemetry: {
      logLevel: s.LOG_LEVEL,
      appInsightsConnectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING,
    },
    runtime: { heapGrowthPercent: s.HEAP_GROWTH_PERCENT },
    sync: {
      maxConcurrentSchools: s.SYNC_MAX_CONCURRENT_SCHOOLS,
      pageSize: s.SYNC_PAGE_SIZE,
      timerSchedule: s.SYNC_TIMER_SCHEDULE,
      archiveGuardFraction: s.SYNC_ARCHIVE_GUARD_FRACTION,
      leaseSeconds: s.SYNC_LEASE_SECONDS,
      eventsEnabled: s.SYNC_EVENTS_ENABLED,
      entities: s.SYNC_ENTITIES ?? ROSTER_ENTITY_NAMES,
      dispatchMode: s.SYNC_DISPATCH_MODE,
      queueName: s.SYNC_QUEUE_NAME,
      runQueueName: s.SYNC_RUN_QUEUE_NAME,
      httpWaitSeconds: s.SYNC_HTTP_WAIT_SECONDS,
    },
    hostStorage: {
      connectionString: s.AzureWebJobsStorage,
      queueServiceUri: s.AzureWebJobsStorage__queueServiceUri,
    },
    localRunner: { functionKey: s.LOCAL_FUNCTION_KEY },
    database: {
      sessionUrl: s.SESSION_DATABASE_URL,
      schoolUrlTemplate: s.SCHOOL_DATABASE_URL_TEMPLATE,
      poolMax: s.DATABASE_POOL_MAX,
      idleCloseSeconds: s.DATABASE_IDLE_CLOSE_SECONDS,
      retryCount: s.DATABASE_RETRY_COUNT,
      requestTimeoutSeconds: s.DATABASE_REQUEST_TIMEOUT_SECONDS,
    },
  };
}
