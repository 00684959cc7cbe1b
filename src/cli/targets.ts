/**
 * Which Clever and which databases a command uses, said before it acts: a newcomer must never
 * take a result from the built-in emulator or a demo database for one from their own district.
 * Database URLs are described by `describeDatabase` (provider, host or file, database name), so
 * no credential is ever printed.
 */
import type { EmulatorHandle } from '../../emulator/index.js';
import type { AppConfig } from '../config/index.js';
import { describeDatabase } from '../db/index.js';

export interface Targets {
  clever: string;
  sessionDatabase: string;
  schoolDatabases: string;
}

export function describeTargets(config: AppConfig, emulator: EmulatorHandle | undefined): Targets {
  return {
    clever: emulator
      ? `the built-in emulator at ${emulator.baseUrl} (no Clever credentials configured)`
      : `${config.clever.apiBaseUrl} (API ${config.clever.apiVersion})`,
    sessionDatabase: describeDatabase(config.database.sessionUrl),
    schoolDatabases: describeDatabase(config.database.schoolUrlTemplate),
  };
}

/** The header lines; `uses` picks what the command touches (`runs` reads SessionDb only). */
export function formatTargets(targets: Targets, uses: readonly (keyof Targets)[]): string {
  const labels: Record<keyof Targets, string> = {
    clever: 'Clever:          ',
    sessionDatabase: 'SessionDb:       ',
    schoolDatabases: 'School databases:',
  };
  return uses.map((key) => `${labels[key]} ${targets[key]}`).join('\n');
}
