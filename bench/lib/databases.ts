/**
 * The databases the benchmark writes into: a SessionDb and one database per school for each
 * contender, empty before every full run. SQLite files live in a temporary folder; PostgreSQL
 * databases carry a per-run prefix (cbench_<id>_) and are all dropped at the end.
 *
 * School databases are created (and migrated) before the clock starts, for every contender
 * alike: creating 200 PostgreSQL databases is one-off provisioning, not sync speed. Between runs
 * the roster tables are emptied (TRUNCATE) or the files copied afresh from a migrated template.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import pg from 'pg';
import { SCHOOL_DATABASE, tableName } from '../../prisma/models.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import type { Provider } from './types.js';

/** Every table of a school database (rosters and section links): all emptied before a full run. */
const SCHOOL_TABLES = SCHOOL_DATABASE.models.map((model) => `"${tableName(model)}"`).join(', ');

export const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function postgresAvailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, url = POSTGRES_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface DatabaseSet {
  readonly provider: Provider;
  readonly sessionUrl: string;
  /** SCHOOL_DATABASE_URL_TEMPLATE: `{schoolId}` is the Clever school id. */
  readonly schoolUrlTemplate: string;
  /** Empty SessionDb and empty, migrated school databases for these schools. */
  reset(schoolIds: readonly string[]): Promise<void>;
}

export interface DatabaseFactory {
  readonly provider: Provider;
  set(name: string): DatabaseSet;
  /** Removes every file or database this factory created. */
  dropAll(): Promise<void>;
}

export function sqliteFactory(root: string): DatabaseFactory {
  const template = join(root, 'template-school.db');
  let migrated: Promise<unknown> | undefined;
  return {
    provider: 'sqlite',
    set(name) {
      const dir = join(root, name);
      return {
        provider: 'sqlite',
        sessionUrl: `file:${join(dir, 'session.db')}`,
        schoolUrlTemplate: `file:${join(dir, 'schools', '{schoolId}.db')}`,
        async reset(schoolIds) {
          mkdirSync(root, { recursive: true });
          migrated ??= applyMigrations({ url: `file:${template}`, database: 'school' });
          await migrated;
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(join(dir, 'schools'), { recursive: true });
          for (const id of schoolIds) copyFileSync(template, join(dir, 'schools', `${id}.db`));
          await applyMigrations({ url: this.sessionUrl, database: 'session' });
        },
      };
    },
    async dropAll() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function postgresFactory(prefix: string): DatabaseFactory {
  const template = `${prefix}_tpl`;
  const created = new Set<string>();
  let templateReady: Promise<void> | undefined;
  const limit = pLimit(8);

  async function createTemplate(): Promise<void> {
    await admin((c) => c.query(`CREATE DATABASE ${template}`));
    created.add(template);
    await applyMigrations({ url: withDatabase(POSTGRES_ADMIN_URL, template), database: 'school' });
  }

  return {
    provider: 'postgresql',
    set(name) {
      const session = `${prefix}_${name}_session`;
      const schoolDb = (id: string) => `${prefix}_${name}_${id}`;
      return {
        provider: 'postgresql',
        sessionUrl: withDatabase(POSTGRES_ADMIN_URL, session),
        schoolUrlTemplate: withDatabase(POSTGRES_ADMIN_URL, `${prefix}_${name}_{schoolId}`).replace(
          encodeURIComponent('{schoolId}'),
          '{schoolId}',
        ),
        async reset(schoolIds) {
          templateReady ??= createTemplate();
          await templateReady;
          await admin(async (c) => {
            await c.query(`DROP DATABASE IF EXISTS ${session} WITH (FORCE)`);
            await c.query(`CREATE DATABASE ${session}`);
          });
          created.add(session);
          await applyMigrations({ url: this.sessionUrl, database: 'session' });
          await Promise.all(
            schoolIds.map((id) =>
              limit(async () => {
                const db = schoolDb(id);
                if (!created.has(db)) {
                  await admin((c) => c.query(`CREATE DATABASE ${db} TEMPLATE ${template}`));
                  created.add(db);
                } else {
                  await admin(
                    (c) => c.query(`TRUNCATE ${SCHOOL_TABLES} RESTART IDENTITY`),
                    withDatabase(POSTGRES_ADMIN_URL, db),
                  );
                }
              }),
            ),
          );
        },
      };
    },
    async dropAll() {
      const drop = pLimit(16);
      const names = [...created].filter((n) => n !== template);
      await Promise.all(
        names.map((db) =>
          drop(() =>
            admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).catch(() => undefined),
          ),
        ),
      );
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`)).catch(() => undefined);
      created.clear();
    },
  };
}

/** Databases left by an interrupted run (their names start with `cbench_`). */
export async function leftoverDatabases(): Promise<string[]> {
  const { rows } = await admin((c) =>
    c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'cbench\\_%'"),
  );
  return rows.map((r) => r.datname);
}

export async function dropDatabases(names: string[]): Promise<void> {
  const drop = pLimit(16);
  await Promise.all(
    names.map((db) =>
      drop(() =>
        admin((c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)).catch(() => undefined),
      ),
    ),
  );
}
