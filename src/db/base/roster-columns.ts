import { hash } from 'node:crypto';
import {
  columnName,
  type FieldDef,
  type ModelDef,
  SCHOOL_DATABASE,
  tableName,
} from '../../../prisma/models.js';
import type { LinkKind, RosterEntity, RosterRow } from '../../domain/index.js';

/**
 * The roster tables' columns, read from the model description (prisma/models.ts) so the bulk
 * SQL cannot drift from the schema. "Data" columns are what Clever supplies (the RosterRow
 * fields); the rest is bookkeeping the upsert maintains.
 */
const BOOKKEEPING = new Set([
  'id',
  'contentHash',
  'isActive',
  'deactivatedAt',
  'firstSeenRunId',
  'lastSeenRunId',
  'createdAt',
  'updatedAt',
]);

export interface RosterColumn {
  field: string;
  column: string;
  type: FieldDef['type'];
  size: FieldDef['size'];
}

const MODEL_BY_ENTITY: Record<RosterEntity, string> = {
  students: 'Student',
  teachers: 'Teacher',
  sections: 'Section',
  courses: 'Course',
  terms: 'Term',
};

function modelNamed(name: string): ModelDef {
  const found = SCHOOL_DATABASE.models.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`No model ${name}`);
  return found;
}

const model = (entity: RosterEntity) => modelNamed(MODEL_BY_ENTITY[entity]);

const cache = new Map<RosterEntity, { table: string; columns: RosterColumn[] }>();

export function rosterTable(entity: RosterEntity): { table: string; columns: RosterColumn[] } {
  let entry = cache.get(entity);
  if (!entry) {
    const definition = model(entity);
    entry = {
      table: tableName(definition),
      columns: definition.fields
        .filter((field) => !BOOKKEEPING.has(field.name))
        .map((field) => ({
          field: field.name,
          column: columnName(field.name),
          type: field.type,
          size: field.size,
        })),
    };
    cache.set(entity, entry);
  }
  return entry;
}

export interface PreparedRow {
  cleverId: string;
  /** Data column values in `rosterTable(entity).columns` order (Dates stay Dates). */
  values: unknown[];
  contentHash: string;
}

/**
 * Maps rows to column values and hashes them. Duplicated Clever ids in one batch keep the last
 * occurrence (multi-role users come back once per role), so no statement touches a row twice.
 */
export function prepareRows<E extends RosterEntity>(entity: E, rows: RosterRow<E>[]): PreparedRow[] {
  const { columns } = rosterTable(entity);
  const fields = columns.map((column) => column.field);
  const byId = new Map<string, PreparedRow>();
  let repeated = false;
  const prepared: PreparedRow[] = [];
  for (const row of rows) {
    const record = row as unknown as Record<string, unknown>;
    const values = new Array<unknown>(fields.length);
    for (let index = 0; index < fields.length; index++) values[index] = normalize(record[fields[index]!]);
    const cleverId = String(record.cleverId);
    const entry = { cleverId, values, contentHash: hashValues(values) };
    if (byId.has(cleverId)) {
      repeated = true;
      byId.delete(cleverId);
    }
    byId.set(cleverId, entry);
    prepared.push(entry);
  }
  // Without repeats (the usual batch) the rows keep their order: no second list to build.
  return repeated ? [...byId.values()] : prepared;
}

function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date && Number.isNaN(value.getTime())) return null;
  return value;
}

/**
 * sha256 of the values as JSON (Dates serialize as ISO strings): equal data, equal hash. Stored
 * hashes are compared with it, so it never changes form (a new form would rewrite every row
 * once). The one-shot `crypto.hash` skips the Hash object createHash builds per row.
 */
export function hashValues(values: unknown[]): string {
  return hash('sha256', JSON.stringify(values), 'hex');
}

/** A section link table (section_teachers, section_students) as its statements see it. */
export interface LinkTable {
  table: string;
  /** `section_clever_id`. */
  sectionColumn: string;
  /** `teacher_clever_id` or `student_clever_id`. */
  memberColumn: string;
  /** Where the linked rows live: `sections`, and `teachers` or `students`. */
  sectionTable: string;
  memberTable: string;
}

const LINK_MODEL: Record<LinkKind, string> = { teachers: 'SectionTeacher', students: 'SectionStudent' };
const linkCache = new Map<LinkKind, LinkTable>();

/** Read from the link model's composite key (section, member), so the SQL follows the schema. */
export function linkTable(kind: LinkKind): LinkTable {
  let entry = linkCache.get(kind);
  if (!entry) {
    const definition = modelNamed(LINK_MODEL[kind]);
    const [section, member] = definition.primaryKey ?? [];
    if (!section || !member) throw new Error(`${definition.name} has no (section, member) key`);
    entry = {
      table: tableName(definition),
      sectionColumn: columnName(section),
      memberColumn: columnName(member),
      sectionTable: rosterTable('sections').table,
      memberTable: rosterTable(kind).table,
    };
    linkCache.set(kind, entry);
  }
  return entry;
}
