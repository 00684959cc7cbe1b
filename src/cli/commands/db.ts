import { type AppServices, databaseOptions, schoolDatabaseOptions } from '../../app.js';
import type { SchoolDatabaseRef, SessionRepository } from '../../db/index.js';
import {
  type ApplyMigrationsResult,
  applyMigrations,
  createSchoolDatabaseProvider,
  createSessionRepository,
  describeDatabase,
} from '../../db/index.js';
import { AppError, asAppError } from '../../errors.js';
import { type CliIo, EXIT, type ExitCode, formatTable, printJson } from '../output.js';

export interface MigrateOutcome {
  database: string;
  /** Host and database name only: never the URL (it may carry a password). */
  target: string;
  applied: string[];
  alreadyApplied: number;
  checksumMismatches: string[];
  missingLocally: string[];
  error?: string;
}

/**
 * `clever-sync db migrate`: applies pending migrations to the SessionDb, then to every school
 * database SessionDb knows (their URLs resolved exactly as the sync resolves them), or, with
 * `--school <id>`, to that school's database only: an internal id or a Clever school id, which
 * SessionDb need not know yet (a database the infrastructure created for a new school). One
 * failing school does not stop the others. Exit 0 all migrated, 2 some schools failed, 1
 * SessionDb failed.
 */
export async function runDbMigrate(
  app: AppServices,
  options: { json?: boolean | undefined; sessionOnly?: boolean | undefined; school?: string | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const { config } = app;
  if (options.school !== undefined && options.sessionOnly) {
    throw new AppError('VALIDATION_FAILED', 'give --school or --session-only, not both', { httpStatus: 400 });
  }
  const shared = databaseOptions(app);
  const outcomes: MigrateOutcome[] = [];
  const session = await migrateOne('session', 'session', config.database.sessionUrl);
  outcomes.push(session);

  if (!session.error && !options.sessionOnly) {
    const repository = await createSessionRepository(config.database.sessionUrl, {
      ...shared,
      migrate: 'never',
    });
    const schools = createSchoolDatabaseProvider({ ...schoolDatabaseOptions(app), sweepIdle: false });
    try {
      const targets =
        options.school === undefined
          ? await repository.schools.list()
          : [await schoolNamed(repository, options.school)];
      for (const school of targets) {
        const label = `school ${school.id === 0 ? '(not in SessionDb)' : school.id} (${school.cleverSchoolId})`;
        try {
          const { url } = await schools.resolveUrl(school);
          outcomes.push(await migrateOne(label, 'school', url));
        } catch (error) {
          outcomes.push(failed(label, '?', error));
        }
      }
    } finally {
      await schools.closeAll();
      await repository.close();
    }
  }

  const sessionFailed = outcomes[0]?.error !== undefined;
  const schoolsFailed = outcomes.slice(1).some((o) => o.error !== undefined);
  const exitCode = sessionFailed ? EXIT.failure : schoolsFailed ? EXIT.partial : EXIT.ok;
  if (options.json) printJson(io, { databases: outcomes });
  else {
    const rows = outcomes.map((o) => [
      o.database,
      o.target,
      o.error ? 'FAILED' : 'ok',
      o.applied.length,
      o.alreadyApplied,
      o.error ?? o.applied.join(', '),
    ]);
    io.stdout.write(
      `${formatTable(['database', 'target', 'result', 'applied', 'already', 'details'], rows)}\n`,
    );
    for (const o of outcomes) {
      if (o.checksumMismatches.length > 0)
        io.stdout.write(
          `warning: ${o.database}: migration.sql changed after it was applied: ${o.checksumMismatches.join(', ')}\n`,
        );
      if (o.missingLocally.length > 0)
        io.stdout.write(
          `warning: ${o.database}: applied migrations unknown to this code: ${o.missingLocally.join(', ')}\n`,
        );
    }
  }
  return exitCode;

  async function migrateOne(label: string, kind: 'session' | 'school', url: string): Promise<MigrateOutcome> {
    const target = safeTarget(url);
    try {
      const result: ApplyMigrationsResult = await applyMigrations({
        url,
        database: kind,
        logger: shared.logger,
        credential: shared.credential,
      });
      return {
        database: label,
        target,
        applied: result.applied,
        alreadyApplied: result.alreadyApplied.length,
        checksumMismatches: result.checksumMismatches,
        missingLocally: result.missingLocally,
      };
    } catch (error) {
      return failed(label, target, error);
    }
  }
}

/**
 * The school `--school` names: by internal id or Clever id in SessionDb, else (a Clever id
 * SessionDb has not seen yet) by the naming convention alone: its secret or the URL template.
 */
async function schoolNamed(session: SessionRepository, id: string): Promise<SchoolDatabaseRef> {
  const known = /^\d+$/.test(id)
    ? await session.schools.findById(Number(id))
    : await session.schools.findByCleverId(id);
  if (known) {
    return {
      id: known.id,
      cleverSchoolId: known.cleverSchoolId,
      connectionSecretName: known.connectionSecretName,
      databaseName: known.databaseName,
    };
  }
  if (/^\d+$/.test(id))
    throw new AppError('NOT_FOUND', `No school with id ${id} in SessionDb`, { httpStatus: 404 });
  return { id: 0, cleverSchoolId: id, connectionSecretName: null, databaseName: null };
}

function failed(database: string, target: string, error: unknown): MigrateOutcome {
  return {
    database,
    target,
    applied: [],
    alreadyApplied: 0,
    checksumMismatches: [],
    missingLocally: [],
    error: asAppError(error, 'migration failed').message,
  };
}

function safeTarget(url: string): string {
  try {
    return describeDatabase(url);
  } catch {
    return 'unrecognized URL';
  }
}
