/**
 * A district's course catalogue and terms, read once per district and run (`/courses`, `/terms`)
 * instead of once per school (`/schools/{id}/courses|terms`): each school keeps the courses and
 * terms its sections use, picked from here. On a 1,200-school district that is two requests
 * instead of 2,400. Memory: one entry per course and term of the district (a catalogue, not a
 * roster: hundreds to a few thousand small records).
 */
import type { CleverCourse, CleverDistrictApi, CleverTerm } from '../../clever/api/index.js';

type Catalogue<T> = Map<string, T>;

export class DistrictCatalog {
  private coursesLoaded: Promise<Catalogue<CleverCourse>> | undefined;
  private termsLoaded: Promise<Catalogue<CleverTerm>> | undefined;

  constructor(
    private readonly api: CleverDistrictApi,
    private readonly pageSize: number,
  ) {}

  courses(): Promise<Catalogue<CleverCourse>> {
    this.coursesLoaded ??= this.load(this.api.getCourses({ pageSize: this.pageSize }), () => {
      this.coursesLoaded = undefined;
    });
    return this.coursesLoaded;
  }

  terms(): Promise<Catalogue<CleverTerm>> {
    this.termsLoaded ??= this.load(this.api.getTerms({ pageSize: this.pageSize }), () => {
      this.termsLoaded = undefined;
    });
    return this.termsLoaded;
  }

  /** A failed read is not kept: the next school asks Clever again (its own retries spent). */
  private async load<T extends { id: string }>(
    pages: AsyncIterable<T[]>,
    forget: () => void,
  ): Promise<Catalogue<T>> {
    try {
      const catalogue: Catalogue<T> = new Map();
      for await (const page of pages) for (const record of page) catalogue.set(record.id.trim(), record);
      return catalogue;
    } catch (error) {
      forget();
      throw error;
    }
  }
}
