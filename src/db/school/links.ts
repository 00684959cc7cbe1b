import { LINK_KINDS, type LinkChanges, type LinkKind, type SectionMembers } from '../../domain/index.js';
import { linkTable } from '../base/roster-columns.js';
import type { LinkPair, LinkSql, RosterDatabaseSource } from '../base/roster-sql.js';
import type { DatabaseRunner } from '../retry.js';
import type { SchoolRosterRepository } from '../types.js';

export interface SectionLinkOptions {
  sql: LinkSql;
  use: RosterDatabaseSource;
  run: DatabaseRunner;
  /** Sections per transaction (a chunk also closes at LINKS_PER_CHUNK links). */
  sectionsPerChunk: number;
  now: () => Date;
}

/** Bounds one transaction's reads and writes like the upsert's 5,000-row statements. */
const LINKS_PER_CHUNK = 5_000;

type Desired = [sectionId: string, members: Set<string>];

/** Each section's distinct member ids; a section listed twice keeps its last list. */
function desiredLinks(sections: SectionMembers[]): Desired[] {
  const bySection = new Map<string, Set<string>>();
  for (const section of sections) {
    bySection.delete(section.sectionId);
    bySection.set(section.sectionId, new Set(section.memberIds));
  }
  return [...bySection.entries()];
}

function* chunksOf(desired: Desired[], maxSections: number): Generator<Desired[]> {
  let chunk: Desired[] = [];
  let links = 0;
  for (const entry of desired) {
    const full = chunk.length >= maxSections || links + entry[1].size > LINKS_PER_CHUNK;
    if (chunk.length > 0 && full) {
      yield chunk;
      chunk = [];
      links = 0;
    }
    chunk.push(entry);
    links += entry[1].size;
  }
  if (chunk.length > 0) yield chunk;
}

interface Classified {
  listed: number;
  added: LinkPair[];
  removed: LinkPair[];
}

/** Compares each section's wanted members with its stored links (`section_id`, `member_id` rows). */
function classify(chunk: Desired[], stored: Record<string, unknown>[]): Classified {
  const current = new Map<string, Set<string>>();
  for (const row of stored) {
    const sectionId = String(row.section_id);
    const members = current.get(sectionId) ?? new Set<string>();
    members.add(String(row.member_id));
    current.set(sectionId, members);
  }
  const result: Classified = { listed: 0, added: [], removed: [] };
  for (const [sectionId, wanted] of chunk) {
    const have = current.get(sectionId) ?? new Set<string>();
    result.listed += wanted.size;
    for (const memberId of wanted) if (!have.has(memberId)) result.added.push({ sectionId, memberId });
    for (const memberId of have) if (!wanted.has(memberId)) result.removed.push({ sectionId, memberId });
  }
  return result;
}

const changesOf = (classified: Classified): LinkChanges => ({
  listed: classified.listed,
  added: classified.added.length,
  removed: classified.removed.length,
});

type LinkMethods = Pick<
  SchoolRosterRepository,
  'replaceSectionLinks' | 'planSectionLinks' | 'pruneLinks' | 'countLinks' | 'iterateSectionLinks'
>;

/** The section link half of the school roster repository (./repository.ts). */
export function sectionLinkMethods(options: SectionLinkOptions): LinkMethods {
  const { sql, use, run, now } = options;

  /** Classifies chunk by chunk; `write` (inside the chunk's transaction) or nothing (a plan). */
  async function eachChunk(kind: LinkKind, sections: SectionMembers[], write: boolean): Promise<LinkChanges> {
    const link = linkTable(kind);
    const total: LinkChanges = { listed: 0, added: 0, removed: 0 };
    for (const chunk of chunksOf(desiredLinks(sections), options.sectionsPerChunk)) {
      const select = sql.selectLinks(
        link,
        chunk.map(([sectionId]) => sectionId),
      );
      const classified = write
        ? // Read and write in one transaction, so a retry after a transient error redoes both.
          await run(`replace section ${kind}`, () =>
            use((database) =>
              database.transaction(async (tx) => {
                const result = classify(chunk, await tx.query(select));
                if (result.removed.length > 0) await tx.execute(sql.deleteLinks(link, result.removed));
                if (result.added.length > 0) await tx.execute(sql.insertLinks(link, result.added, now()));
                return result;
              }),
            ),
          )
        : classify(chunk, await run(`plan section ${kind}`, () => use((database) => database.query(select))));
      const changes = changesOf(classified);
      total.listed += changes.listed;
      total.added += changes.added;
      total.removed += changes.removed;
    }
    return total;
  }

  return {
    replaceSectionLinks: (kind, sections) => eachChunk(kind, sections, true),
    planSectionLinks: (kind, sections) => eachChunk(kind, sections, false),

    async pruneLinks() {
      const deleted: Record<LinkKind, number> = { teachers: 0, students: 0 };
      for (const kind of LINK_KINDS) {
        const statement = sql.pruneLinks(linkTable(kind));
        deleted[kind] = await run(`prune section ${kind}`, () =>
          use((database) => database.execute(statement)),
        );
      }
      return deleted;
    },

    async countLinks(kind) {
      const statement = sql.countLinks(linkTable(kind));
      const rows = await run(`count section ${kind}`, () => use((database) => database.query(statement)));
      return Number(rows[0]?.n ?? 0);
    },

    async *iterateSectionLinks(kind, pageSize = 1_000) {
      const link = linkTable(kind);
      let after: LinkPair | null = null;
      for (;;) {
        const statement = sql.linksPage(link, after, pageSize);
        const rows = await run(`list section ${kind}`, () => use((database) => database.query(statement)));
        const page = rows.map((row) => ({
          sectionId: String(row.section_id),
          memberId: String(row.member_id),
        }));
        if (page.length === 0) return;
        yield page;
        if (page.length < pageSize) return;
        after = page[page.length - 1] ?? null;
      }
    },
  };
}
