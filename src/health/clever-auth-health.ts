import type { AuthCheckResult } from '../clever/auth/index.js';
import { type AppError, asAppError } from '../errors.js';
import type { Logger } from '../telemetry/index.js';
import { noopTelemetry, redactText, TELEMETRY_EVENTS, type Telemetry } from '../telemetry/index.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Key Vault as health sees it; `not-configured` when secrets come from the environment. */
export interface KeyVaultHealth {
  state: 'available' | 'unavailable' | 'unknown' | 'not-configured';
  lastSuccessAt: string | null;
  lastError: { code: string; message: string } | null;
  /** Outcome of the last required-secrets validation. */
  validation: 'ok' | 'missing' | 'unavailable' | 'pending';
  nextRetryAt: string | null;
}

/** The JSON body of GET /api/health/clever-auth. Holds no secret, token or connection string. */
export interface CleverAuthHealthReport {
  status: HealthStatus;
  /** Why the status is not healthy, one sentence each. */
  reasons: string[];
  mode: AuthCheckResult['mode'] | null;
  checkedAt: string | null;
  lastSuccessfulAuthenticationAt: string | null;
  lastError: { code: string; message: string } | null;
  districts: { count: number | null; disconnected: string[] };
  keyVault: KeyVaultHealth;
  refreshIntervalSeconds: number;
}

export interface CleverAuthHealthCheckOptions {
  auth: { checkAuthentication(): Promise<AuthCheckResult> };
  keyVault: () => KeyVaultHealth;
  intervalSeconds: number;
  logger: Logger;
  telemetry?: Telemetry;
  now?: () => number;
}

interface ProbeOutcome {
  at: number;
  result?: AuthCheckResult;
  error?: AppError;
}

/**
 * Whether the app can authenticate to Clever, refreshed in the background every
 * HEALTH_CACHE_INTERVAL_SECONDS so the HTTP probe answers from memory.
 *
 * healthy: authentication works and Key Vault (if used) is reachable.
 * degraded: authentication works but Key Vault is unreachable (cached secrets in use), districts are
 *   disconnected or none are connected; or authentication is blocked only because Key Vault is
 *   unreachable (its background retry is running); or no check has finished yet.
 * unhealthy: the last authentication attempt failed for any other reason.
 */
export class CleverAuthHealthCheck {
  private last: ProbeOutcome | undefined;
  private lastSuccessAt: number | undefined;
  private running: Promise<CleverAuthHealthReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus: HealthStatus | undefined;
  private readonly now: () => number;
  private readonly telemetry: Telemetry;

  constructor(private readonly options: CleverAuthHealthCheckOptions) {
    this.now = options.now ?? Date.now;
    this.telemetry = options.telemetry ?? noopTelemetry;
  }

  /** Starts the background refresh (first check immediately). Timers never keep the process alive. */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs one check now; concurrent calls share it. Never rejects. */
  refresh(): Promise<CleverAuthHealthReport> {
    this.running ??= this.probe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * The cached report, without waiting. If the cache is older than the interval (the background
   * timer did not run, e.g. a frozen worker) a refresh starts in the background.
   */
  current(): CleverAuthHealthReport {
    if (this.last && this.now() - this.last.at > this.options.intervalSeconds * 1000) void this.refresh();
    return this.report();
  }

  /** The cached report; before the first check has finished, waits for it up to `maxWaitMs`. */
  async currentOrFirst(maxWaitMs: number): Promise<CleverAuthHealthReport> {
    if (this.last) return this.current();
    const first = this.refresh();
    let timeout: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => {
      timeout = setTimeout(() => resolve(undefined), maxWaitMs);
    });
    try {
      return (await Promise.race([first, waited])) ?? this.report();
    } finally {
      clearTimeout(timeout);
    }
  }

  private async probe(): Promise<CleverAuthHealthReport> {
    try {
      const result = await this.options.auth.checkAuthentication();
      this.last = { at: this.now(), result };
      this.lastSuccessAt = this.last.at;
    } catch (error) {
      this.last = { at: this.now(), error: asAppError(error, 'Clever authentication check failed') };
    }
    const report = this.report();
    this.noteStatusChange(report);
    return report;
  }

  private report(): CleverAuthHealthReport {
    const keyVault = this.options.keyVault();
    const reasons: string[] = [];
    const last = this.last;
    let status: HealthStatus;
    if (!last) {
      status = 'degraded';
      reasons.push('The first authentication check has not finished yet');
    } else if (last.error) {
      const blockedByVault = last.error.code === 'SECRET_STORE_UNAVAILABLE';
      status = blockedByVault ? 'degraded' : 'unhealthy';
      reasons.push(
        blockedByVault
          ? 'Key Vault is unreachable, so Clever credentials cannot be read; retrying in the background'
          : 'Clever authentication failed',
      );
    } else {
      status = 'healthy';
      if (keyVault.state === 'unavailable')
        reasons.push('Key Vault is unreachable; cached secrets are in use');
      if (last.result?.disconnectedDistricts.length)
        reasons.push('Some configured districts are disconnected');
      if (last.result?.districtCount === 0) reasons.push('No district has authorized the app');
      if (keyVault.validation === 'missing')
        reasons.push('Required secrets are missing from the credential store');
      if (reasons.length > 0) status = 'degraded';
    }
    return {
      status,
      reasons,
      mode: last?.result?.mode ?? null,
      checkedAt: last ? new Date(last.at).toISOString() : null,
      lastSuccessfulAuthenticationAt: this.lastSuccessAt ? new Date(this.lastSuccessAt).toISOString() : null,
      lastError: last?.error ? { code: last.error.code, message: redactText(last.error.message) } : null,
      districts: {
        count: last?.result?.districtCount ?? null,
        disconnected: last?.result?.disconnectedDistricts ?? [],
      },
      keyVault,
      refreshIntervalSeconds: this.options.intervalSeconds,
    };
  }

  private noteStatusChange(report: CleverAuthHealthReport): void {
    if (report.status === this.lastStatus) return;
    const from = this.lastStatus ?? 'unknown';
    this.lastStatus = report.status;
    const fields = {
      event: 'health.clever-auth.changed',
      from,
      to: report.status,
      errorCode: report.lastError?.code,
    };
    if (report.status === 'unhealthy')
      this.options.logger.error({ ...fields, reasons: report.reasons }, 'Clever auth health changed');
    else this.options.logger.info({ ...fields, reasons: report.reasons }, 'Clever auth health changed');
    this.telemetry.trackEvent(TELEMETRY_EVENTS.authHealthChanged, {
      from,
      to: report.status,
      errorCode: report.lastError?.code,
    });
  }
}
