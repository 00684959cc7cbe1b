import type { TokenCredential } from '@azure/identity';
import type { DestinationStream } from 'pino';
import { type CleverApiClientWithMetrics, createCleverApiClient } from './clever/api/index.js';
import { CleverAuthService, clientCredentialsFrom } from './clever/auth/index.js';
import { CleverHttpClients } from './clever/http/index.js';
import type { AppConfig, RawSettings } from './config/index.js';
import {
  appConfigurationSource,
  loadConfig,
  loadConfigSync,
  processEnvironment,
  readLocalSettings,
  readSecretEnvironment,
} from './config/index.js';
import type { SessionRepository } from './db/index.js';
import {
  createSchoolDatabaseProvider,
  createSessionRepository,
  type SchoolDatabaseConnectionFactory,
} from './db/index.js';
import { CleverAuthHealthCheck, keyVaultHealthFrom } from './health/index.js';
import { applyHeapGrowth } from './heap-growth.js';
import {
  createQueueClient,
  createQueueFanOut,
  createRunCompletedReporter,
  createRunDispatcher,
  createRunQueue,
  createSchoolQueue,
  createSyncLauncher,
  type SyncLauncher,
} from './runs/index.js';
import type { CredentialStore } from './secrets/index.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  createAzureCredential,
  districtTokenSecretName,
  EnvCredentialStore,
  KeyVaultCredentialStore,
  RequiredSecretsMonitor,
} from './secrets/index.js';
import type { SyncRunCompletion, SyncService } from './sync/index.js';
import { createSyncService } from './sync/index.js';
import {
  appInsightsLogSink,
  createLogger,
  createTelemetryFromConfig,
  type Logger,
  noopTelemetry,
  registerSecret,
  type Telemetry,
  trackRateLimitWait,
} from './telemetry/index.js';

/** Everything a function handler, the CLI or the local runner needs, built once per worker. */
export interface AppServices {
  config: AppConfig;
  logger: Logger;
  telemetry: Telemetry;
  /** The Azure identity (managed identity in Azure) used for Key Vault and App Configuration. */
  azureCredential: TokenCredential;
  credentialStore: CredentialStore;
  requiredSecrets: RequiredSecretsMonitor;
  /** One axios instance per Clever host, shared by auth and the Data API client. */
  cleverHttp: CleverHttpClients;
  cleverAuth: CleverAuthService;
  cleverAuthHealth: CleverAuthHealthCheck;
  /** Stops background timers (health refresh, Key Vault retries) and flushes telemetry. */
  dispose(): Promise<void>;
}

export interface CreateAppServicesOptions {
  /** Settings source; defaults to the process environment (read only by src/config). */
  env?: RawSettings;
  /** local.settings.json to read when running outside the Functions host (CLI). */
  localSettingsPath?: string;
  /** Replaces the Azure identity (tests, or a CLI using a specific credential). */
  azureCredential?: TokenCredential;
  /** Where log lines go; stdout by default. */
  logDestination?: DestinationStream;
  /** Start the health refresh and secret validation loops (default true). */
  startBackground?: boolean;
}

/**
 * The composition root: configuration, logging, telemetry, secrets, Clever auth and health, wired
 * by hand in dependency order. Later stages add their services here (Data API client, databases,
 * sync use cases). Nothing else constructs these services in production code.
 */
export async function createAppServices(options: CreateAppServicesOptions = {}): Promise<AppServices> {
  const env = options.env ?? processEnvironment();
  // App Configuration needs an identity before the full configuration exists: derive it from the
  // environment alone (AZURE_CREDENTIAL_KIND / AZURE_CLIENT_ID are never read from App Configuration).
  const local = options.localSettingsPath ? readLocalSettings(options.localSettingsPath) : {};
  const azureCredential =
    options.azureCredential ?? createAzureCredential(loadConfigSync({ ...local, ...env }).azureCredential);
  const config = await loadConfig({
    env,
    localSettingsPath: options.localSettingsPath,
    remote: appConfigurationSource({ credential: azureCredential }),
  });
  registerConfiguredSecrets(config);
  applyHeapGrowth(config.runtime.heapGrowthPercent);

  const telemetry = (await createTelemetryFromConfig(config.telemetry)) ?? noopTelemetry;
  const logger = createLogger({
    level: config.telemetry.logLevel,
    destination: options.logDestination,
    sinks: telemetry.enabled ? [appInsightsLogSink(telemetry)] : [],
  });

  const credentialStore: CredentialStore = config.keyVault.url
    ? new KeyVaultCredentialStore({
        vaultUrl: config.keyVault.url,
        credential: azureCredential,
        cacheTtlSeconds: config.keyVault.cacheTtlSeconds,
        logger,
      })
    : new EnvCredentialStore(readSecretEnvironment({ env, localSettingsPath: options.localSettingsPath }));
  const requiredSecrets = new RequiredSecretsMonitor({
    store: credentialStore,
    required: requiredSecretNames(config),
    logger,
    retry: { initialDelayMs: 1_000, maxDelayMs: config.keyVault.retryMaxDelayMs },
  });

  const cleverHttp = new CleverHttpClients({ timeoutMs: config.clever.timeoutMs });
  const cleverAuth = new CleverAuthService({
    clever: config.clever,
    httpClients: cleverHttp,
    credentials: clientCredentialsFrom(config.clever, credentialStore),
    credentialStore,
    logger,
  });
  const cleverAuthHealth = new CleverAuthHealthCheck({
    auth: cleverAuth,
    keyVault: keyVaultHealthFrom(credentialStore, requiredSecrets),
    intervalSeconds: config.health.cacheIntervalSeconds,
    logger,
    telemetry,
  });

  if (options.startBackground !== false) {
    void requiredSecrets.start();
    cleverAuthHealth.start();
  }
  logger.info(
    {
      event: 'app.started',
      authMode: config.clever.authMode,
      secretStore: credentialStore.kind,
      telemetry: telemetry.enabled,
    },
    'clever-sync services ready',
  );

  return {
    config,
    logger,
    telemetry,
    azureCredential,
    credentialStore,
    requiredSecrets,
    cleverHttp,
    cleverAuth,
    cleverAuthHealth,
    async dispose() {
      cleverAuthHealth.stop();
      requiredSecrets.stop();
      await telemetry.flush();
    },
  };
}

/**
 * Secrets the app cannot run without, by Key Vault name. Client id/secret set as settings need no
 * secret; with CLEVER_DISTRICT_IDS and no client credentials, each district needs a stored token.
 */
export function requiredSecretNames(config: AppConfig): string[] {
  const { clientId, clientSecret, districtIds } = config.clever;
  if (clientId && clientSecret) return [];
  if (!clientId && !clientSecret && districtIds && config.clever.authMode === 'district-tokens') {
    return districtIds.map(districtTokenSecretName);
  }
  return [
    ...(clientId ? [] : [CLEVER_CLIENT_ID_SECRET]),
    ...(clientSecret ? [] : [CLEVER_CLIENT_SECRET_SECRET]),
  ];
}

/** Secret settings are masked in every log line from the start, wherever they might be echoed. */
function registerConfiguredSecrets(config: AppConfig): void {
  registerSecret(config.clever.clientSecret);
  registerSecret(config.telemetry.appInsightsConnectionString);
  // `file:` paths are not secret; server URLs carry credentials.
  for (const url of [config.database.sessionUrl, config.database.schoolUrlTemplate]) {
    if (!url.startsWith('file:')) registerSecret(url);
  }
}

let services: Promise<AppServices> | undefined;
let workerOptions: Pick<CreateAppServicesOptions, 'logDestination'> = {};

/**
 * For hosts other than the Functions host (`npm run serve`): how the worker's services, built on
 * first use by getAppServices(), are created (where their log lines go).
 */
export function configureAppServices(options: Pick<CreateAppServicesOptions, 'logDestination'>): void {
  workerOptions = { ...options };
}

/**
 * The worker's services, built on first use and shared by every invocation. A failed build is
 * not cached, so the next invocation retries (e.g. after App Configuration was unreachable).
 */
export function getAppServices(): Promise<AppServices> {
  services ??= createAppServices(workerOptions).catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  return services;
}

/** For tests and the CLI: stop the memoized services so the next getAppServices() builds anew. */
export async function resetAppServices(): Promise<void> {
  const current = services;
  services = undefined;
  if (current) await (await current.catch(() => undefined))?.dispose();
}

// ---------- Sync services (issue 7): databases, Data API client, sync engine, launcher ----------

/** What the sync triggers, the CLI and the local runner need on top of AppServices. */
export interface SyncServices {
  app: AppServices;
  config: AppConfig;
  logger: Logger;
  session: SessionRepository;
  schoolDatabases: SchoolDatabaseConnectionFactory;
  /** The Data API client; its metrics() feed the CLI's rate-limit display. */
  cleverApi: CleverApiClientWithMetrics;
  sync: SyncService;
  /** Starts runs in-process or on the queue (SYNC_DISPATCH_MODE). */
  launcher: SyncLauncher;
  /** Reports a completed run to telemetry (for runs a queue worker completes). */
  onRunCompleted(run: SyncRunCompletion): void;
  /** Closes database clients (the AppServices are disposed by their owner). */
  dispose(): Promise<void>;
}

/**
 * Connection settings every database client shares: pool size and idle close, the SQL Server
 * statement timeout, retries, and the app's one Azure identity for Entra authentication (SQL
 * Server), so no connection builds a credential of its own.
 */
export function databaseOptions(app: AppServices) {
  const { database } = app.config;
  return {
    poolMax: database.poolMax,
    idleTimeoutMs: database.idleCloseSeconds * 1_000,
    requestTimeoutMs: database.requestTimeoutSeconds * 1_000,
    retryCount: database.retryCount,
    credential: app.azureCredential,
    logger: app.logger,
  };
}

/** The school database provider's options: shared settings, the URL template and Key Vault lookups. */
export function schoolDatabaseOptions(app: AppServices) {
  const { idleTimeoutMs: _idle, ...shared } = databaseOptions(app);
  return {
    ...shared,
    urlTemplate: app.config.database.schoolUrlTemplate,
    idleCloseSeconds: app.config.database.idleCloseSeconds,
    // Key Vault holds per-school connection strings; locally the template is enough.
    ...(app.credentialStore.kind === 'key-vault'
      ? { getSecret: (name: string) => app.credentialStore.getSecret(name) }
      : {}),
  };
}

/**
 * Builds the sync side on top of the AppServices. Opening the SessionDb checks connectivity (and
 * migrates the embedded SQLite default), so a wrong SESSION_DATABASE_URL fails here, clearly.
 */
export async function createSyncServices(app: AppServices): Promise<SyncServices> {
  const { config, logger } = app;
  const session = await createSessionRepository(config.database.sessionUrl, databaseOptions(app));
  useKnownDistricts(app, session);
  const schoolDatabases = createSchoolDatabaseProvider(schoolDatabaseOptions(app));
  const reporter = createRunCompletedReporter({ telemetry: app.telemetry, session, logger });
  const cleverApi = createCleverApiClient({
    config,
    tokens: app.cleverAuth,
    logger,
    http: app.cleverHttp,
    hooks: { onRateLimitWait: (wait) => trackRateLimitWait(app.telemetry, wait) },
  });
  const sync = createSyncService({
    session,
    schoolDatabases,
    clever: cleverApi,
    tokens: app.cleverAuth,
    config: config.sync,
    districtIds: config.clever.districtIds,
    logger,
    alerts: (alert) => app.telemetry.trackEvent(alert.name, alert.properties, alert.measurements),
    onRunCompleted: reporter.onRunCompleted,
  });
  const { dispatchMode } = config.sync;
  // The queued modes send to the Functions host's storage account, with the app's identity in Azure.
  const hostQueue = (queueName: string) =>
    createQueueClient(
      {
        queueName,
        connectionString: config.hostStorage.connectionString,
        queueServiceUri: config.hostStorage.queueServiceUri,
      },
      () => app.azureCredential,
    );
  const { onRunCompleted } = reporter;
  const fanOut =
    dispatchMode === 'queue'
      ? createQueueFanOut({
          sync,
          session,
          queue: createSchoolQueue(hostQueue(config.sync.queueName)),
          leaseSeconds: config.sync.leaseSeconds,
          districtIds: config.clever.districtIds,
          logger,
          onRunCompleted,
        })
      : undefined;
  const dispatcher =
    dispatchMode === 'in-process'
      ? undefined
      : createRunDispatcher({
          session,
          queue: createRunQueue(hostQueue(config.sync.runQueueName)),
          leaseSeconds: config.sync.leaseSeconds,
          districtIds: config.clever.districtIds,
          tokens: app.cleverAuth,
          logger,
          onRunCompleted,
        });
  const launcher = createSyncLauncher({ sync, mode: dispatchMode, fanOut, dispatcher, logger });
  return {
    app,
    config,
    logger,
    session,
    schoolDatabases,
    cleverApi,
    sync,
    launcher,
    onRunCompleted,
    async dispose() {
      await reporter.settled();
      await schoolDatabases.closeAll();
      await session.close();
    },
  };
}

/** Districts from earlier runs: health and sync reports name those Clever no longer lists. */
function useKnownDistricts(app: AppServices, session: SessionRepository): void {
  app.cleverAuth.useKnownDistricts(async () =>
    (await session.districts.list()).map((district) => district.cleverDistrictId),
  );
}

/**
 * The SessionDb for commands that only read it (`clever-sync runs`, `health`): never migrated, so
 * it opens while another process (`npm run serve`) holds the embedded SQLite file, which a
 * migration would wait for until it timed out.
 */
export async function openSessionForReading(app: AppServices): Promise<SessionRepository> {
  const session = await createSessionRepository(app.config.database.sessionUrl, {
    ...databaseOptions(app),
    migrate: 'never',
  });
  useKnownDistricts(app, session);
  return session;
}

let syncServices: Promise<SyncServices> | undefined;

/** The worker's sync services on top of getAppServices(); a failed build is retried next time. */
export function getSyncServices(): Promise<SyncServices> {
  syncServices ??= getAppServices()
    .then(createSyncServices)
    .catch((error: unknown) => {
      syncServices = undefined;
      throw error;
    });
  return syncServices;
}

/** For tests and the local runner: close the memoized sync services so the next call builds anew. */
export async function resetSyncServices(): Promise<void> {
  const current = syncServices;
  syncServices = undefined;
  if (current) await (await current.catch(() => undefined))?.dispose();
}
