import { AppError } from '../errors.js';
import type { Logger } from '../telemetry/index.js';
import type { CredentialStore } from './credential-store.js';

export type SecretOutcome = 'present' | 'missing' | 'unavailable';

export interface SecretValidationReport {
  at: Date;
  /** `unavailable` when the store could not be read; `missing` when it answered but secrets are absent. */
  outcome: 'ok' | 'missing' | 'unavailable';
  secrets: { name: string; outcome: SecretOutcome }[];
  attempt: number;
}

export interface RequiredSecretsMonitorOptions {
  store: CredentialStore;
  /** Secret names the app cannot work without. */
  required: string[];
  logger: Logger;
  /** Background retry delay while the store is unreachable: doubles from initialDelayMs up to maxDelayMs. */
  retry: { initialDelayMs: number; maxDelayMs: number };
  now?: () => number;
}

/**
 * Startup validation of required secrets. Each run writes one audit log entry (names, outcome,
 * time; never values). The app does not wait for the vault: when it is unreachable, validation
 * retries in the background with backoff until it gets an answer, and health reports degraded.
 */
export class RequiredSecretsMonitor {
  private report: SecretValidationReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private nextRetryAt: Date | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: RequiredSecretsMonitorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Runs the first validation; schedules background retries when the store is unreachable. Never rejects. */
  async start(): Promise<SecretValidationReport> {
    this.stopped = false;
    return this.runOnce();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRetryAt = undefined;
  }

  state(): { lastReport: SecretValidationReport | undefined; nextRetryAt: Date | undefined } {
    return { lastReport: this.report, nextRetryAt: this.nextRetryAt };
  }

  private async runOnce(): Promise<SecretValidationReport> {
    this.attempts++;
    const secrets: SecretValidationReport['secrets'] = [];
    for (const name of this.options.required) {
      secrets.push({ name, outcome: await this.check(name) });
    }
    const outcome = secrets.some((s) => s.outcome === 'unavailable')
      ? 'unavailable'
      : secrets.some((s) => s.outcome === 'missing')
        ? 'missing'
        : 'ok';
    const report: SecretValidationReport = {
      at: new Date(this.now()),
      outcome,
      secrets,
      attempt: this.attempts,
    };
    this.report = report;
    if (outcome === 'unavailable') this.scheduleRetry();
    else this.nextRetryAt = undefined;
    this.audit(report);
    return report;
  }

  private async check(name: string): Promise<SecretOutcome> {
    try {
      return (await this.options.store.getSecret(name)) === undefined ? 'missing' : 'present';
    } catch (error) {
      // Anything but an answer (unreachable, denied, timed out) leaves the store's state unknown.
      if (error instanceof AppError && error.code === 'SECRET_NOT_FOUND') return 'missing';
      return 'unavailable';
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (this.attempts - 1));
    this.nextRetryAt = new Date(this.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce();
    }, delay);
    // A pending retry must not keep a worker (or a CLI run) alive.
    this.timer.unref();
  }

  private audit(report: SecretValidationReport): void {
    const entry = {
      audit: true,
      event: 'secrets.validation',
      store: this.options.store.kind,
      outcome: report.outcome,
      secrets: report.secrets,
      at: report.at.toISOString(),
      attempt: report.attempt,
      nextRetryAt: this.nextRetryAt?.toISOString(),
    };
    if (report.outcome === 'ok') this.options.logger.info(entry, 'Required secrets validated');
    else if (report.outcome === 'missing') this.options.logger.error(entry, 'Required secrets are missing');
    else this.options.logger.warn(entry, 'Secret store unreachable; retrying in the background');
  }
}
