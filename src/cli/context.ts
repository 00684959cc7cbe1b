/**
 * How the CLI gets its services: the same composition root and configuration as the Functions app
 * (environment, then local.settings.json Values, then App Configuration, then defaults), with logs
 * on stderr so stdout carries only the command's output.
 *
 * Embedded defaults: when no Clever credentials are configured (no client id/secret, Key Vault or
 * App Configuration), commands that talk to Clever start the built-in emulator, and databases
 * default to SQLite under ./data/demo, so the main job runs on a fresh machine with nothing set up.
 */

import { existsSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import type { EmulatorHandle } from '../../emulator/index.js';
import { startEmulator } from '../../emulator/index.js';
import {
  type AppServices,
  createAppServices,
  createSyncServices,
  openSessionForReading,
  type SyncServices,
} from '../app.js';
import { type RawSettings, readLocalSettings } from '../config/index.js';
import { describeDatabase, type SessionRepository } from '../db/index.js';

/**
 * Settings that say "credentials for a real Clever are configured". URLs alone do not count:
 * local.settings.json.example fills them with Clever's defaults and leaves the credentials empty.
 */
const CLEVER_SOURCE_SETTINGS = [
  'CLEVER_CLIENT_ID',
  'CLEVER_CLIENT_SECRET',
  'KEY_VAULT_URL',
  'APP_CONFIG_ENDPOINT',
] as const;

export const DEMO_DATA_DIR = 'data/demo';
export const DEMO_DATABASE_SETTINGS = {
  SESSION_DATABASE_URL: `file:./${DEMO_DATA_DIR}/session.db`,
  SCHOOL_DATABASE_URL_TEMPLATE: `file:./${DEMO_DATA_DIR}/schools/school-{schoolId}.db`,
} as const;

export interface CliEnvironment {
  /** The process environment (the CLI entry point passes process.env). */
  env: RawSettings;
  localSettingsPath: string;
}

export type EmulatorChoice = 'auto' | 'always' | 'never';

export interface CliServices {
  app: AppServices;
  sync: SyncServices;
  /** Set when the CLI runs against the built-in emulator. */
  emulator: EmulatorHandle | undefined;
  close(): Promise<void>;
}

export interface OpenCliOptions extends CliEnvironment {
  /** `auto`: the built-in emulator when no Clever is configured (commands that talk to Clever). */
  emulator?: EmulatorChoice;
  /** Emulator options for the embedded default (tests and the demo pick sizes). */
  emulatorOptions?: Parameters<typeof startEmulator>[0];
  /** Where log lines go: the CLI's stderr, so stdout carries only the command's output. */
  logDestination?: DestinationStream;
}

export interface CliApp {
  app: AppServices;
  emulator: EmulatorHandle | undefined;
  /** The settings the app was built from (process environment plus CLI adjustments). */
  env: RawSettings;
  close(): Promise<void>;
}

/**
 * The settings the CLI runs with. Without a configured Clever, databases default to ./data/demo so
 * demo data never lands where a real deployment's would; with an emulator, Clever points at it.
 */
export function cliSettings(
  options: CliEnvironment,
  emulator: EmulatorHandle | undefined,
  { quiet = true }: { quiet?: boolean } = {},
): RawSettings {
  const settings = effectiveSettings(options);
  const env: RawSettings = { ...options.env };
  // The CLI talks to people: warnings and errors only, unless LOG_LEVEL says otherwise.
  if (quiet && !settings.LOG_LEVEL) env.LOG_LEVEL = 'warn';
  if (!cleverIsConfigured(options)) {
    if (!settings.SESSION_DATABASE_URL)
      env.SESSION_DATABASE_URL = DEMO_DATABASE_SETTINGS.SESSION_DATABASE_URL;
    if (!settings.SCHOOL_DATABASE_URL_TEMPLATE) {
      env.SCHOOL_DATABASE_URL_TEMPLATE = DEMO_DATABASE_SETTINGS.SCHOOL_DATABASE_URL_TEMPLATE;
    }
  }
  if (emulator) {
    Object.assign(env, {
      CLEVER_API_BASE_URL: emulator.baseUrl,
      CLEVER_TOKENS_URL: emulator.tokensUrl,
      CLEVER_CLIENT_ID: emulator.clientId,
      CLEVER_CLIENT_SECRET: emulator.clientSecret,
    });
  }
  return env;
}

/** The app services (configuration, secrets, Clever auth, health), plus the emulator when used. */
export async function openCliApp(options: OpenCliOptions): Promise<CliApp> {
  const choice = options.emulator ?? 'never';
  const useEmulator = choice === 'always' || (choice === 'auto' && !cleverIsConfigured(options));
  const emulator = useEmulator ? await startEmulator(options.emulatorOptions ?? {}) : undefined;
  const env = cliSettings(options, emulator);
  try {
    const app = await createAppServices({
      env,
      localSettingsPath: options.localSettingsPath,
      logDestination: options.logDestination ?? { write: (line: string) => void process.stderr.write(line) },
      startBackground: false,
    });
    return {
      app,
      emulator,
      env,
      async close() {
        await app.dispose();
        await emulator?.stop();
      },
    };
  } catch (error) {
    await emulator?.stop().catch(() => undefined);
    throw error;
  }
}

/** App services plus the sync side (SessionDb, school databases, Data API client, sync engine). */
export async function openCliServices(options: OpenCliOptions): Promise<CliServices> {
  const cli = await openCliApp(options);
  try {
    const sync = await createSyncServices(cli.app);
    return {
      app: cli.app,
      sync,
      emulator: cli.emulator,
      async close() {
        await sync.dispose();
        await cli.close();
      },
    };
  } catch (error) {
    await cli.close().catch(() => undefined);
    throw error;
  }
}

export interface CliReader {
  app: AppServices;
  /** Null when the SessionDb is an embedded SQLite file no sync has created yet. */
  session: SessionRepository | null;
  emulator: EmulatorHandle | undefined;
  close(): Promise<void>;
}

/**
 * The app services plus a SessionDb opened for reading only (`runs`, `health`): no migration, so
 * these commands work while `npm run serve` or a sync holds the embedded SQLite SessionDb.
 */
export async function openCliReader(options: OpenCliOptions): Promise<CliReader> {
  const cli = await openCliApp(options);
  try {
    const missing = !sqliteFileExists(cli.app.config.database.sessionUrl);
    const session = missing ? null : await openSessionForReading(cli.app);
    return {
      app: cli.app,
      session,
      emulator: cli.emulator,
      async close() {
        await session?.close();
        await cli.close();
      },
    };
  } catch (error) {
    await cli.close().catch(() => undefined);
    throw error;
  }
}

/** False only for an embedded SQLite database whose file does not exist (server URLs: true). */
export function sqliteFileExists(url: string): boolean {
  const described = describeDatabase(url);
  return !described.startsWith('sqlite:') || existsSync(described.slice('sqlite:'.length));
}

/** The settings as the app will see them (environment over local.settings.json). */
export function effectiveSettings(options: CliEnvironment): RawSettings {
  return { ...readLocalSettings(options.localSettingsPath), ...definedOnly(options.env) };
}

export function cleverIsConfigured(options: CliEnvironment): boolean {
  const settings = effectiveSettings(options);
  return CLEVER_SOURCE_SETTINGS.some((key) => (settings[key] ?? '').trim() !== '');
}

function definedOnly(env: RawSettings): RawSettings {
  const result: RawSettings = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') result[key] = value;
  return result;
}
