import type { RosterEntity, RosterRow } from '../../domain/index.js';
import { ValidationError } from '../../errors.js';
import { type PreparedRow, prepareRows, rosterTable } from '../base/roster-columns.js';
import type { RosterDatabaseSource, RosterSql } from '../base/roster-sql.js';
import type { DatabaseRunner } from '../retry.js';
import type { SchoolRosterRepository, UpsertPlan, UpsertResult } from '../types.js';
import { sectionLinkMethods } from './links.js';

export type { RosterDatabaseSource };

export interface SchoolRosterRepositoryOptions {
  /** The dialect's roster statements (`dialect.rosterSql`). */
  sql: RosterSql;
  use: RosterDatabaseSource;
  run: DatabaseRunner;
  /**
   * Rows per transaction (default 1,000; lowered to what one statement's parameters allow), and
   * sections per transaction of a link replacement.
   */
  chunkSize?: number;
  now?: () => Date;
}

const SAMPLE_SIZE = 5;
const ID_CHUNK = 1_000;
/** Ids a repository remembers writing into a table that started empty; beyond, it reads again. */
const FRESH_ID_LIMIT = 100_000;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

const isTrue = (value: unknown) => value === true || value === 1 || value === 1n || value === '1';

interface Classified {
  created: PreparedRow[];
  updated: PreparedRow[];
  restored: PreparedRow[];
  unchanged: PreparedRow[];
}

/** created: new id; restored: archived row reappearing; updated: data hash differs; else unchanged. */
function classify(rows: PreparedRow[], existing: Record<string, unknown>[]): Classified {
  const known = new Map(existing.map((row) => [String(row.clever_id), row]));
  const result: Classified = { created: [], updated: [], restored: [], unchanged: [] };
  for (const row of rows) {
    const current = known.get(row.cleverId);
    if (!current) result.created.push(row);
    else if (!isTrue(current.is_active)) result.restored.push(row);
    else if (current.content_hash !== row.contentHash) result.updated.push(row);
    else result.unchanged.push(row);
  }
  return result;
}

export function createSchoolRosterRepository(options: SchoolRosterRepositoryOptions): SchoolRosterRepository {
  const { use, run, sql } = options;
  const now = options.now ?? (() => new Date());
  const count = (rows: Record<string, unknown>[]) => Number(rows[0]?.n ?? 0);

  function chunkSizeFor(entity: RosterEntity): number {
    const limit = sql.maxRowsPerUpsert(rosterTable(entity).columns);
    return Math.max(1, Math.min(options.chunkSize ?? 1_000, limit));
  }

  function assertRunId(runId: string): void {
    if (!runId || runId.length > 64) throw new ValidationError('runId must be 1-64 characters', { runId });
  }

  /**
   * Per table: the ids this repository wrote since it found the table empty (a first sync), or
   * null once it held rows of someone else. While a chunk holds none of those ids, none of its
   * rows exists yet and the read of existing rows is skipped. Sound because one repository serves
   * one school's sync, and the school's lease makes that sync the table's only writer.
   */
  const freshTables = new Map<string, Set<string> | null>();
  async function writtenSinceEmpty(entity: RosterEntity, table: string): Promise<Set<string> | null> {
    if (!freshTables.has(table)) {
      const hasRows = count(
        await run(`count ${entity}`, () => use((database) => database.query(sql.hasRows(table)))),
      );
      freshTables.set(table, hasRows === 0 ? new Set() : null);
    }
    return freshTables.get(table) ?? null;
  }

  return {
    ...sectionLinkMethods({
      sql,
      use,
      run,
      now,
      sectionsPerChunk: Math.max(1, options.chunkSize ?? 1_000),
    }),

    async upsert(entity, rows, runId) {
      assertRunId(runId);
      const { table, columns } = rosterTable(entity);
      const total: UpsertResult = { created: 0, updated: 0, restored: 0, unchanged: 0 };
      for (const chunk of chunks(rows, chunkSizeFor(entity))) {
        const prepared = prepareRows(entity, chunk as RosterRow<typeof entity>[]);
        const written = await writtenSinceEmpty(entity, table);
        const allNew = written !== null && prepared.every((row) => !written.has(row.cleverId));
        // The whole chunk is one transaction, so a retry after a transient error redoes it all.
        const outcome = await run(`upsert ${entity}`, () =>
          use((database) =>
            database.transaction(async (tx) => {
              const existing = allNew
                ? []
                : await tx.query(
                    sql.selectExisting(
                      table,
                      prepared.map((row) => row.cleverId),
                    ),
                  );
              const classified = classify(prepared, existing);
              const writes = [...classified.created, ...classified.updated, ...classified.restored];
              if (writes.length > 0) await tx.execute(sql.upsert(table, columns, writes, runId, now()));
              if (classified.unchanged.length > 0) {
                await tx.execute(
                  sql.touch(
                    table,
                    classified.unchanged.map((row) => row.cleverId),
                    runId,
                  ),
                );
              }
              return classified;
            }),
          ),
        );
        if (written !== null) {
          if (written.size + prepared.length > FRESH_ID_LIMIT) freshTables.set(table, null);
          else for (const row of prepared) written.add(row.cleverId);
        }
        total.created += outcome.created.length;
        total.updated += outcome.updated.length;
        total.restored += outcome.restored.length;
        total.unchanged += outcome.unchanged.length;
      }
      return total;
    },

    async plan(entity, rows) {
      const { table } = rosterTable(entity);
      const plan: UpsertPlan = {
        created: 0,
        updated: 0,
        restored: 0,
        unchanged: 0,
        samples: { created: [], updated: [], restored: [] },
      };
      for (const chunk of chunks(rows, chunkSizeFor(entity))) {
        const prepared = prepareRows(entity, chunk as RosterRow<typeof entity>[]);
        const existing = await run(`plan ${entity}`, () =>
          use((database) =>
            database.query(
              sql.selectExisting(
                table,
                prepared.map((row) => row.cleverId),
              ),
            ),
          ),
        );
        const classified = classify(prepared, existing);
        for (const kind of ['created', 'updated', 'restored'] as const) {
          plan[kind] += classified[kind].length;
          const room = SAMPLE_SIZE - plan.samples[kind].length;
          if (room > 0)
            plan.samples[kind].push(...classified[kind].slice(0, room).map((row) => row.cleverId));
        }
        plan.unchanged += classified.unchanged.length;
      }
      return plan;
    },

    async countActive(entity) {
      const { table } = rosterTable(entity);
      return count(
        await run(`count ${entity}`, () => use((database) => database.query(sql.countActive(table)))),
      );
    },

    async countUnseenActive(entity, runId) {
      const { table } = rosterTable(entity);
      return count(
        await run(`count ${entity}`, () =>
          use((database) => database.query(sql.countUnseenActive(table, runId))),
        ),
      );
    },

    async archiveUnseen(entity, runId, at) {
      assertRunId(runId);
      const { table } = rosterTable(entity);
      return run(`archive ${entity}`, () =>
        use((database) => database.execute(sql.archiveUnseen(table, runId, at))),
      );
    },

    async markSeen(entity, cleverIds, runId) {
      assertRunId(runId);
      const { table } = rosterTable(entity);
      for (const ids of chunks([...new Set(cleverIds)], ID_CHUNK)) {
        await run(`mark ${entity} seen`, () =>
          use((database) => database.execute(sql.touch(table, ids, runId))),
        );
      }
    },

    async archiveByCleverIds(entity, cleverIds, at) {
      const { table } = rosterTable(entity);
      let archived = 0;
      for (const ids of chunks([...new Set(cleverIds)], ID_CHUNK)) {
        archived += await run(`archive ${entity}`, () =>
          use((database) => database.execute(sql.archiveByCleverIds(table, ids, at))),
        );
      }
      return archived;
    },

    async *iterateActiveCleverIds(entity, pageSize = 1_000) {
      const { table } = rosterTable(entity);
      let after: string | null = null;
      for (;;) {
        const statement = sql.activeIdsPage(table, after, pageSize);
        const rows = await run(`list ${entity}`, () => use((database) => database.query(statement)));
        const ids = rows.map((row) => String(row.clever_id));
        if (ids.length === 0) return;
        yield ids;
        if (ids.length < pageSize) return;
        after = ids[ids.length - 1] ?? null;
      }
    },

    async activeAmong(entity, cleverIds) {
      const { table } = rosterTable(entity);
      const active = new Set<string>();
      for (const ids of chunks([...new Set(cleverIds)], ID_CHUNK)) {
        const rows = await run(`read ${entity}`, () =>
          use((database) => database.query(sql.activeAmong(table, ids))),
        );
        for (const row of rows) active.add(String(row.clever_id));
      }
      return active;
    },

    async unreferenced(entity) {
      const { table } = rosterTable(entity);
      const column = entity === 'courses' ? 'clever_course_id' : 'clever_term_id';
      const statement = sql.unreferenced(table, rosterTable('sections').table, column);
      const rows = await run(`read ${entity}`, () => use((database) => database.query(statement)));
      return rows.map((row) => String(row.clever_id));
    },

    async deleteInactive(entity, inactiveSince) {
      const { table } = rosterTable(entity);
      return run(`delete inactive ${entity}`, () =>
        use((database) => database.execute(sql.deleteInactive(table, inactiveSince))),
      );
    },
  };
}
