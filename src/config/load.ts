import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { type AppConfig, toAppConfig } from './app-config.js';
import { parseSettings, type RawSettings } from './parse.js';
import { SETTINGS } from './settings.js';

/** The process environment: read here, and only here (every other module is given its settings). */
export function processEnvironment(): RawSettings {
  return process.env;
}

/** Reads remote settings (Azure App Configuration); returns key -> value with Key Vault references resolved. */
export type RemoteSettingsSource = (options: {
  endpoint: string;
  label: string | undefined;
  keys: string[];
}) => Promise<RawSettings>;

export interface LoadConfigOptions {
  /** Defaults to process.env: the only place in the app that reads it. */
  env?: RawSettings;
  /** A local.settings.json whose `Values` fill keys the environment lacks (Core Tools does this too). */
  localSettingsPath?: string;
  /** Present when APP_CONFIG_ENDPOINT should be honoured. */
  remote?: RemoteSettingsSource;
}

/**
 * Precedence, highest first: environment (incl. local.settings.json Values), Azure App
 * Configuration when APP_CONFIG_ENDPOINT is set, then defaults.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const local = options.localSettingsPath ? readLocalSettings(options.localSettingsPath) : {};
  const environment: RawSettings = { ...local, ...pickKnown(options.env ?? processEnvironment()) };

  const endpoint = environment.APP_CONFIG_ENDPOINT?.trim();
  let remote: RawSettings = {};
  if (endpoint && options.remote) {
    remote = await options.remote({
      endpoint,
      label: environment.APP_CONFIG_LABEL,
      keys: Object.keys(SETTINGS),
    });
  }
  const merged: RawSettings = { ...pickKnown(remote) };
  for (const [key, value] of Object.entries(environment)) {
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }
  return toAppConfig(parseSettings(merged));
}

/** Synchronous variant for code that has no remote source (tests, CLI before App Configuration). */
export function loadConfigSync(env: RawSettings = process.env): AppConfig {
  return toAppConfig(parseSettings(pickKnown(env)));
}

function pickKnown(source: RawSettings): RawSettings {
  const result: RawSettings = {};
  for (const key of Object.keys(SETTINGS)) {
    if (source[key] !== undefined) result[key] = source[key];
  }
  return result;
}

/** The `Values` of a local.settings.json file (empty when the file does not exist). */
export function readLocalSettings(path: string): RawSettings {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> };
    const values: RawSettings = {};
    for (const [key, value] of Object.entries(parsed.Values ?? {})) {
      if (value !== undefined && value !== null) values[key] = String(value);
    }
    return values;
  } catch {
    throw new ConfigError([`${path} is not valid JSON (expected {"Values": {...}})`]);
  }
}
