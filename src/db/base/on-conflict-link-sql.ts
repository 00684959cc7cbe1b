import type { LinkTable } from './roster-columns.js';
import type { LinkPair, LinkSql } from './roster-sql.js';

/** Adds one parameter to the statement being built and returns its placeholder. */
export type Bind = (value: unknown) => string;

/** What the link statements need of an INSERT .. ON CONFLICT provider (./on-conflict-sql.ts). */
export interface LinkFlavour {
  readonly true: string;
  readonly false: string;
  /** The placeholder of the n-th parameter (1-based): `$n`, or `?` bound by position. */
  placeholder(position: number): string;
  /** What follows a column to keep the rows whose value is in `ids` (one parameter). */
  inIds(bind: Bind, ids: string[]): string;
  /** A timestamp parameter as UTC text in the form the driver adapter itself writes. */
  timestamp(bind: Bind, date: Date): string;
  /** `SELECT .. AS section_id, .. AS member_id` over the pairs, from one or two parameters. */
  pairRows(bind: Bind, pairs: LinkPair[]): string;
}

const q = (name: string) => `"${name}"`;

/** A statement's parameters, added in the order their placeholders appear in its text. */
export function statementParameters(flavour: Pick<LinkFlavour, 'placeholder'>): {
  params: unknown[];
  bind: Bind;
} {
  const params: unknown[] = [];
  const bind: Bind = (value) => {
    params.push(value);
    return flavour.placeholder(params.length);
  };
  return { params, bind };
}

/** The section link statements of SQLite and PostgreSQL, written once for both. */
export function onConflictLinkSql(flavour: LinkFlavour): LinkSql {
  const columns = (link: LinkTable) =>
    `${q(link.sectionColumn)} AS section_id, ${q(link.memberColumn)} AS member_id`;
  return {
    selectLinks(link, sectionIds) {
      const { params, bind } = statementParameters(flavour);
      return {
        sql: `SELECT ${columns(link)} FROM ${q(link.table)} WHERE ${q(link.sectionColumn)} ${flavour.inIds(bind, sectionIds)}`,
        params,
      };
    },
    insertLinks(link, pairs, now) {
      const { params, bind } = statementParameters(flavour);
      // Bound in text order (SQLite's `?` is positional): the timestamp comes first.
      const at = flavour.timestamp(bind, now);
      const rows = flavour.pairRows(bind, pairs);
      return {
        // `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
        sql:
          `INSERT INTO ${q(link.table)} (${q(link.sectionColumn)}, ${q(link.memberColumn)}, "created_at") ` +
          `SELECT p.section_id, p.member_id, ${at} FROM (${rows}) AS p WHERE true ON CONFLICT DO NOTHING`,
        params,
      };
    },
    deleteLinks(link, pairs) {
      const { params, bind } = statementParameters(flavour);
      return {
        sql:
          `DELETE FROM ${q(link.table)} WHERE (${q(link.sectionColumn)}, ${q(link.memberColumn)}) IN ` +
          `(SELECT p.section_id, p.member_id FROM (${flavour.pairRows(bind, pairs)}) AS p)`,
        params,
      };
    },
    pruneLinks(link) {
      const inactive = (table: string) =>
        `SELECT clever_id FROM ${q(table)} WHERE is_active = ${flavour.false}`;
      return {
        sql:
          `DELETE FROM ${q(link.table)} WHERE ${q(link.sectionColumn)} IN (${inactive(link.sectionTable)}) ` +
          `OR ${q(link.memberColumn)} IN (${inactive(link.memberTable)})`,
        params: [],
      };
    },
    countLinks(link) {
      return { sql: `SELECT COUNT(*) AS n FROM ${q(link.table)}`, params: [] };
    },
    linksPage(link, after, limit) {
      const { params, bind } = statementParameters(flavour);
      const section = q(link.sectionColumn);
      const member = q(link.memberColumn);
      const from =
        after === null
          ? ''
          : // A row-value comparison: both providers seek the primary key to it (an OR would scan).
            ` WHERE (${section}, ${member}) > (${bind(after.sectionId)}, ${bind(after.memberId)})`;
      return {
        sql: `SELECT ${columns(link)} FROM ${q(link.table)}${from} ORDER BY ${section}, ${member} LIMIT ${bind(limit)}`,
        params,
      };
    },
  };
}
