import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';
import type { DatabaseKind, DatabaseProvider } from '../base/dialect.js';

export interface MigrationFile {
  /** Folder name, `<yyyyMMddHHmmss>_<name>`: migrations apply in this (lexical) order. */
  name: string;
  script: string;
  /** Lowercase hex sha256 of migration.sql, as Prisma records it. */
  checksum: string;
}

/** Prisma's checksum: sha256 of the script's UTF-8 bytes, lowercase hex (64 characters). */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** Like Prisma, tolerant of CRLF/LF conversion by git on another machine. */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\r?\n/g, '\r\n')];
  return variants.some((variant) => migrationChecksum(variant) === checksum);
}

/** Prisma's layout: `<dir>/<name>/migration.sql` plus `<dir>/migration_lock.toml`. */
export function readMigrations(dir: string): { lockProvider: string | null; migrations: MigrationFile[] } {
  if (!existsSync(dir)) {
    throw new AppError('MIGRATION_FAILED', `Migrations folder not found: ${dir}`, { details: { dir } });
  }
  const lockPath = join(dir, 'migration_lock.toml');
  const lockProvider = existsSync(lockPath)
    ? (/^\s*provider\s*=\s*"([^"]+)"/m.exec(readFileSync(lockPath, 'utf8'))?.[1] ?? null)
    : null;
  const migrations = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'migration.sql')))
    .sort()
    .map((name) => {
      const script = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: migrationChecksum(script) };
    });
  return { lockProvider, migrations };
}

let cachedRoot: string | undefined;

/**
 * The repository (or deployment) root holding `prisma/`: found by walking up from this module,
 * which lives at src/db/migrate (tsx, tests) or dist/src/db/migrate (compiled).
 */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'prisma', 'session')) && existsSync(join(dir, 'prisma', 'school'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new AppError('MIGRATION_FAILED', 'Cannot find the prisma/ folder (deploy it beside dist/)');
    }
    dir = parent;
  }
}

export function migrationsDirectory(
  database: DatabaseKind,
  provider: DatabaseProvider,
  root = projectRoot(),
): string {
  return join(root, 'prisma', database, provider, 'migrations');
}
