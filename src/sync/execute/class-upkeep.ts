/**
 * Courses and terms a school's new or changed sections use but its database lacks. Clever sends
 * no course or term event when a section starts using an existing one, so after a school's events
 * are applied the missing ones are fetched (`/courses/{id}`, `/terms/{id}`), once per pass for the
 * whole district however many schools need them.
 */
import type { CleverDistrictApi } from '../../clever/api/index.js';
import { isCleverNotFound } from '../../clever/api/index.js';
import type { CourseRow, TermRow } from '../../domain/index.js';
import { mapCourse, mapTerm } from './class-mapping.js';
import { recordInvalidReasons } from './validate.js';
import type { RosterWriter } from './writers.js';

export type ReferencedEntity = 'courses' | 'terms';

export class ClassUpkeep {
  private readonly fetched = new Map<string, Promise<CourseRow | TermRow | null>>();

  constructor(private readonly api: CleverDistrictApi) {}

  /** Rows for the referenced ids the school's database does not hold (active) yet. */
  async missing(
    writer: Pick<RosterWriter, 'activeAmong'>,
    entity: ReferencedEntity,
    referenced: ReadonlySet<string>,
  ): Promise<(CourseRow | TermRow)[]> {
    if (referenced.size === 0) return [];
    const present = await writer.activeAmong(entity, [...referenced]);
    const wanted = [...referenced].filter((id) => !present.has(id));
    const rows = await Promise.all(wanted.map((id) => this.fetch(entity, id)));
    return rows.filter((row): row is CourseRow | TermRow => row !== null);
  }

  private fetch(entity: ReferencedEntity, id: string): Promise<CourseRow | TermRow | null> {
    const key = `${entity}:${id}`;
    let pending = this.fetched.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          const row =
            entity === 'courses'
              ? mapCourse(await this.api.getCourse(id))
              : mapTerm(await this.api.getTerm(id));
          return recordInvalidReasons(row).length === 0 ? row : null;
        } catch (error) {
          // Gone since the section named it: nothing to keep; the next full sync agrees.
          if (isCleverNotFound(error)) return null;
          throw error;
        }
      })();
      this.fetched.set(key, pending);
    }
    return pending;
  }
}
