/**
 * SQL Server's section link statements (section_teachers, section_students). UNTESTED AGAINST A
 * LIVE SERVER, like ./sql.ts: test/db/sqlserver-sql.test.ts checks the text and the parameters.
 * Pairs travel as one JSON document of {"s": section, "m": member} objects, read with OPENJSON.
 */
import type { LinkTable } from '../base/roster-columns.js';
import type { LinkPair, LinkSql } from '../base/roster-sql.js';
import { bracket, KEY_TYPE, openJsonIds } from './openjson.js';

/** The pairs as a typed rowset `(section_id, member_id)`. */
export function openJsonPairs(parameter: string): string {
  return `OPENJSON(${parameter}) WITH ([section_id] ${KEY_TYPE} '$.s', [member_id] ${KEY_TYPE} '$.m')`;
}

export function pairsJson(pairs: LinkPair[]): string {
  return JSON.stringify(pairs.map((pair) => ({ s: pair.sectionId, m: pair.memberId })));
}

export function sqlserverLinkSql(schema: string): LinkSql {
  const table = (name: string) => `${bracket(schema)}.${bracket(name)}`;
  const names = (link: LinkTable) => ({
    section: bracket(link.sectionColumn),
    member: bracket(link.memberColumn),
  });
  const columns = (link: LinkTable, alias: string) =>
    `${alias}.${names(link).section} AS section_id, ${alias}.${names(link).member} AS member_id`;

  return {
    selectLinks(link, sectionIds) {
      return {
        sql:
          `SELECT ${columns(link, 'l')} FROM ${table(link.table)} AS l ` +
          `INNER JOIN ${openJsonIds('@P1')} AS ids ON l.${names(link).section} = ids.clever_id`,
        params: [JSON.stringify(sectionIds)],
        types: ['json'],
      };
    },
    insertLinks(link, pairs, now) {
      const { section, member } = names(link);
      // NOT EXISTS under UPDLOCK, HOLDLOCK: SQL Server's "insert unless present" (an existing pair
      // keeps its created_at), atomic against a concurrent insert of the same pair.
      return {
        sql:
          `INSERT INTO ${table(link.table)} (${section}, ${member}, [created_at]) ` +
          `SELECT p.section_id, p.member_id, @P2 FROM ${openJsonPairs('@P1')} AS p ` +
          `WHERE NOT EXISTS (SELECT 1 FROM ${table(link.table)} AS l WITH (UPDLOCK, HOLDLOCK) ` +
          `WHERE l.${section} = p.section_id AND l.${member} = p.member_id)`,
        params: [pairsJson(pairs), now],
        types: ['json', 'timestamp'],
      };
    },
    deleteLinks(link, pairs) {
      const { section, member } = names(link);
      return {
        sql:
          `DELETE l FROM ${table(link.table)} AS l INNER JOIN ${openJsonPairs('@P1')} AS p ` +
          `ON l.${section} = p.section_id AND l.${member} = p.member_id`,
        params: [pairsJson(pairs)],
        types: ['json'],
      };
    },
    pruneLinks(link) {
      const { section, member } = names(link);
      const inactive = (name: string) => `SELECT clever_id FROM ${table(name)} WHERE is_active = 0`;
      return {
        sql:
          `DELETE FROM ${table(link.table)} WHERE ${section} IN (${inactive(link.sectionTable)}) ` +
          `OR ${member} IN (${inactive(link.memberTable)})`,
        params: [],
        types: [],
      };
    },
    countLinks(link) {
      return { sql: `SELECT COUNT(*) AS n FROM ${table(link.table)}`, params: [], types: [] };
    },
    linksPage(link, after, limit) {
      const { section, member } = names(link);
      const select = `SELECT TOP (@P1) ${columns(link, 'l')} FROM ${table(link.table)} AS l`;
      const order = ` ORDER BY l.${section}, l.${member}`;
      return after === null
        ? { sql: `${select}${order}`, params: [limit], types: ['int'] }
        : {
            // No row values in T-SQL: `section >= @P2` gives the primary key seek, the rest filters.
            sql: `${select} WHERE l.${section} >= @P2 AND (l.${section} > @P2 OR l.${member} > @P3)${order}`,
            params: [limit, after.sectionId, after.memberId],
            types: ['int', 'key', 'key'],
          };
    },
  };
}
