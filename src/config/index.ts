export type { AppConfig } from './app-config.js';
export { toAppConfig } from './app-config.js';
export { type AppConfigurationSourceOptions, appConfigurationSource } from './app-configuration.js';
export { CLEVER_URL_RULE, isAllowedCleverUrl } from './clever-urls.js';
export {
  type LoadConfigOptions,
  loadConfig,
  loadConfigSync,
  processEnvironment,
  type RemoteSettingsSource,
  readLocalSettings,
} from './load.js';
export { parseSettings, type RawSettings } from './parse.js';
export {
  readSecretEnvironment,
  type SecretEnvironment,
  secretEnvironmentVariable,
} from './secret-environment.js';
export { SECRET_SETTING_KEYS, SETTINGS, type SettingKey, type Settings } from './settings.js';
