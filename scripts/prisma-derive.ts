/**
 * `npm run db:derive`: writes prisma/<database>/<provider>/schema.prisma from prisma/models.ts,
 * plus each provider's initial migration when that provider has no migrations yet (an applied
 * migration is never rewritten: its checksum is recorded in `_prisma_migrations`).
 * `--check` writes nothing and exits 1 when a derived schema is out of date.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  INIT_MIGRATION_NAME,
  migrationLockToml,
  renderInitMigration,
  renderSchema,
  schemaPath,
} from '../prisma/derive.js';
import { DATABASES, PROVIDERS } from '../prisma/models.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const stale: string[] = [];

function write(path: string, content: string): void {
  const absolute = join(root, path);
  const current = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
  if (current === content) return;
  if (check) {
    stale.push(path);
    return;
  }
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
  console.log(`wrote ${path}`);
}

for (const database of DATABASES) {
  for (const provider of PROVIDERS) {
    const schema = schemaPath(database.name, provider);
    write(schema, renderSchema(database, provider));
    const migrations = join(dirname(schema), 'migrations');
    const existing = existsSync(join(root, migrations))
      ? readdirSync(join(root, migrations)).filter((name) => /^\d{14}_/.test(name))
      : [];
    if (existing.length === 0) {
      write(join(migrations, INIT_MIGRATION_NAME, 'migration.sql'), renderInitMigration(database, provider));
    }
    write(join(migrations, 'migration_lock.toml'), migrationLockToml(provider));
  }
}

if (stale.length > 0) {
  console.error(`Out of date (run npm run db:derive):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
