export type { AppConfig } from './app-config.js';
export { toAppConfig } from './app-config.js';
export { type LoadConfigOptions, loadConfig, loadConfigSync, type RemoteSettingsSource } from './load.js';
export { parseSettings, type RawSettings } from './parse.js';
export { SECRET_SETTING_KEYS, SETTINGS, type SettingKey, type Settings } from './settings.js';
