import { IdKind, makeId, parseId } from '../ids.js';
import type { ApiVersion, CourseRecord, SectionRecord, TermRecord } from '../types.js';
import {
  type CourseCatalog,
  CREATED_BASE,
  courseCatalog,
  courseDisplayName,
  GENERATED_TERMS,
  generateCourse,
  generateTerm,
  type SchoolClassPlan,
  SECTION_BLOCK,
  schoolClassPlan,
  sectionGrade,
  sectionOfStudent,
  sectionParts,
  sectionRefs,
  studentPositions,
  teacherPositions,
} from './classes.js';
import type { GenerationContext } from './generate.js';
import type { DistrictLayout } from './layout.js';
import { arraySource, mergeSources, progressionSource, type SortedSource } from './sorted.js';
import { sectionForVersion } from './v31.js';

interface Stored<T> {
  record: T;
  /** Deleted records stay so a generated one does not come back. */
  deleted: boolean;
}

/** What the class data needs of its district. */
export interface ClassDataHost {
  ctx: GenerationContext;
  layout: DistrictLayout;
  isSchoolShared(schoolId: string): boolean;
}

const PLAN_CACHE = 256;

function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * One district's sections, courses and terms: generated ones (when `generate` is on) plus an
 * overlay of admin changes, merged in id order on every read as users are.
 */
export class ClassData {
  private readonly sectionOverlay = new Map<string, Stored<SectionRecord>>();
  /** Ids of the overlay's sections by their current school: per-school reads scan only these. */
  private readonly overlayBySchool = new Map<string, Set<string>>();
  private readonly courseOverlay = new Map<string, Stored<CourseRecord>>();
  private readonly termOverlay = new Map<string, Stored<TermRecord>>();
  private readonly plans = new Map<number, SchoolClassPlan>();
  private readonly catalog: CourseCatalog;
  private created = { section: 0, course: 0, term: 0 };

  constructor(
    private readonly host: ClassDataHost,
    /** Generate classes for the district's generated schools (option `sections`). */
    readonly generate: boolean,
  ) {
    this.catalog = courseCatalog(host.ctx.earlyLearningSchools);
  }

  private get ctx(): GenerationContext {
    return this.host.ctx;
  }

  private id(kind: IdKind, sequence: number): string {
    return makeId(this.ctx.idPrefix, this.ctx.districtSlot, kind, sequence);
  }

  /** The sequence of an id of this district and kind, else undefined. */
  private sequenceOf(id: string, kind: IdKind): number | undefined {
    const parsed = parseId(this.ctx.idPrefix, id);
    if (parsed === undefined || parsed.districtSlot !== this.ctx.districtSlot || parsed.kind !== kind)
      return undefined;
    return parsed.sequence;
  }

  private get generatedSchools(): number {
    return this.generate ? this.host.layout.shape.schools : 0;
  }

  plan(school: number): SchoolClassPlan {
    let plan = this.plans.get(school);
    if (plan === undefined) {
      if (this.plans.size >= PLAN_CACHE) this.plans.clear();
      plan = schoolClassPlan(this.ctx, this.host.layout, school);
      this.plans.set(school, plan);
    }
    return plan;
  }

  // ---- sections ------------------------------------------------------------------------

  private sectionId(school: number, local: number): string {
    return this.id(IdKind.section, school * SECTION_BLOCK + local);
  }

  /** A generated section, as `version` serves it. */
  private generatedSection(school: number, local: number, version: ApiVersion): SectionRecord {
    const ctx = this.ctx;
    const plan = this.plan(school);
    const { slot, k, created, lastModified, ext, lms } = sectionParts(ctx, plan, local);
    const userId = (index: number) => this.id(IdKind.user, index);
    const courseIndex = this.catalog.index(sectionGrade(plan, slot, k), slot.subject);
    const teachers = teacherPositions(ctx, plan, local).map((p) => userId(plan.teachers.at(p)));
    const students = studentPositions(plan, slot, k)
      .map((p) => userId(plan.students.at(p)))
      .sort();
    const schoolId = ctx.schoolId(school);
    const record: SectionRecord = {
      id: this.sectionId(school, local),
      district: ctx.districtId,
      school: schoolId,
      name: `${courseDisplayName(this.catalog, courseIndex)} (P${slot.period}-${k + 1})`,
      subject: slot.subject,
      grade: sectionGrade(plan, slot, k),
      period: String(slot.period),
      section_number: String(k + 1),
      course: this.id(IdKind.course, courseIndex),
      term_id: this.id(IdKind.term, slot.term),
      ...(teachers[0] !== undefined ? { teacher: teachers[0] } : ctx.sendNulls ? { teacher: null } : {}),
      teachers,
      students,
      sis_id: `SEC-${1000 + school}-${slot.term + 1}${slot.period}-${k + 1}`,
      created,
      last_modified: lastModified,
      ext,
    };
    if (version === 'v3.1') {
      if (lms !== undefined) record.lms_status = lms;
      else if (ctx.sendNulls) record.lms_status = null;
    }
    return record;
  }

  /** Where a generated section id sits, if it is one of a generated school's sections. */
  private locate(sectionId: string): { school: number; local: number } | undefined {
    const sequence = this.sequenceOf(sectionId, IdKind.section);
    if (sequence === undefined || sequence >= CREATED_BASE) return undefined;
    const school = Math.floor(sequence / SECTION_BLOCK);
    const local = sequence % SECTION_BLOCK;
    if (school >= this.generatedSchools || local >= this.plan(school).total) return undefined;
    return { school, local };
  }

  /** The section whether or not its school is shared (v3.1 record); undefined if it never existed. */
  rawSection(sectionId: string): Stored<SectionRecord> | undefined {
    const stored = this.sectionOverlay.get(sectionId);
    if (stored !== undefined) return stored;
    const at = this.locate(sectionId);
    return at === undefined
      ? undefined
      : { record: this.generatedSection(at.school, at.local, 'v3.1'), deleted: false };
  }

  /** The section as served now: undefined when deleted, unknown or of an unshared school. */
  section(sectionId: string, version: ApiVersion = 'v3.1'): SectionRecord | undefined {
    const stored = this.sectionOverlay.get(sectionId);
    if (stored !== undefined) {
      if (stored.deleted || !this.host.isSchoolShared(stored.record.school)) return undefined;
      return sectionForVersion(stored.record, version);
    }
    const at = this.locate(sectionId);
    if (at === undefined || !this.host.isSchoolShared(this.ctx.schoolId(at.school))) return undefined;
    return this.generatedSection(at.school, at.local, version);
  }

  putSection(record: SectionRecord, deleted = false): void {
    const previous = this.sectionOverlay.get(record.id)?.record.school;
    if (previous !== undefined && previous !== record.school)
      this.overlayBySchool.get(previous)?.delete(record.id);
    let ids = this.overlayBySchool.get(record.school);
    if (ids === undefined) {
      ids = new Set();
      this.overlayBySchool.set(record.school, ids);
    }
    ids.add(record.id);
    this.sectionOverlay.set(record.id, { record, deleted });
  }

  /** Overlay sections of one school (all schools when undefined). */
  private *overlaySections(schoolId: string | undefined): Generator<Stored<SectionRecord>> {
    if (schoolId === undefined) {
      yield* this.sectionOverlay.values();
      return;
    }
    for (const id of this.overlayBySchool.get(schoolId) ?? []) yield this.sectionOverlay.get(id)!;
  }

  mintSectionId(): string {
    return this.id(IdKind.section, CREATED_BASE + this.created.section++);
  }

  /** Sections in id order (all, or one school's), skipping those of unshared schools. */
  sectionSource(schoolId: string | undefined, version: ApiVersion = 'v3.1'): SortedSource<SectionRecord> {
    const changed: SectionRecord[] = [];
    for (const { record, deleted } of this.overlaySections(schoolId)) {
      if (deleted || !this.host.isSchoolShared(record.school)) continue;
      if (schoolId === undefined || record.school === schoolId)
        changed.push(sectionForVersion(record, version));
    }
    changed.sort(byId);
    return mergeSources([this.generatedSections(schoolId, version), arraySource(changed)]);
  }

  private generatedSections(schoolId: string | undefined, version: ApiVersion): SortedSource<SectionRecord> {
    const load = (school: number, local: number): SectionRecord | undefined => {
      const id = this.sectionId(school, local);
      return this.sectionOverlay.has(id) ? undefined : this.generatedSection(school, local, version);
    };
    if (schoolId === undefined) return this.acrossSchools(load);
    const school = this.generatedSchoolIndex(schoolId);
    if (school === undefined || !this.host.isSchoolShared(schoolId)) return arraySource<SectionRecord>([]);
    return progressionSource(
      { first: school * SECTION_BLOCK, step: 1, count: this.plan(school).total },
      (sequence) => this.id(IdKind.section, sequence),
      (sequence) => load(school, sequence - school * SECTION_BLOCK),
    );
  }

  private generatedSchoolIndex(schoolId: string): number | undefined {
    const sequence = this.sequenceOf(schoolId, IdKind.school);
    return sequence !== undefined && sequence < this.generatedSchools ? sequence : undefined;
  }

  /**
   * Every generated section of the shared schools, walked school block by school block. A cursor
   * is a position: ids below the first generated one start at the beginning, above the last at
   * the end, and anything between decodes to (school, local).
   */
  private acrossSchools(
    load: (school: number, local: number) => SectionRecord | undefined,
  ): SortedSource<SectionRecord> {
    const schools = this.generatedSchools;
    const lowest = this.id(IdKind.section, 0);
    const highest = this.id(IdKind.section, CREATED_BASE - 1);
    const shared = (school: number) => this.host.isSchoolShared(this.ctx.schoolId(school));
    const self = this;
    return {
      *ascending(after) {
        let school = 0;
        let local = 0;
        if (after !== undefined && after >= lowest) {
          if (after >= highest) return;
          const sequence = Number.parseInt(after.slice(14), 16);
          school = Math.floor(sequence / SECTION_BLOCK);
          local = (sequence % SECTION_BLOCK) + 1;
        }
        for (; school < schools; school++, local = 0) {
          if (!shared(school)) continue;
          const total = self.plan(school).total;
          for (; local < total; local++) {
            const item = load(school, local);
            if (item !== undefined) yield item;
          }
        }
      },
      *descending(before) {
        let school = schools - 1;
        let local = Number.POSITIVE_INFINITY;
        if (before !== undefined && before <= highest) {
          if (before <= lowest) return;
          const sequence = Number.parseInt(before.slice(14), 16);
          school = Math.min(schools - 1, Math.floor(sequence / SECTION_BLOCK));
          if (school === Math.floor(sequence / SECTION_BLOCK)) local = (sequence % SECTION_BLOCK) - 1;
        }
        for (; school >= 0; school--, local = Number.POSITIVE_INFINITY) {
          if (!shared(school)) continue;
          for (let l = Math.min(local, self.plan(school).total - 1); l >= 0; l--) {
            const item = load(school, l);
            if (item !== undefined) yield item;
          }
        }
      },
    };
  }

  /**
   * Current sections of a school that list the user as student or teacher (v3.1 records, id
   * order), for the admin cascades (a user leaving a school leaves its sections).
   */
  sectionsWithMember(schoolId: string, userId: string): SectionRecord[] {
    const found = new Map<string, SectionRecord>();
    for (const { record, deleted } of this.overlaySections(schoolId)) {
      if (deleted || record.school !== schoolId) continue;
      if (record.students.includes(userId) || record.teachers.includes(userId)) found.set(record.id, record);
    }
    const school = this.generatedSchoolIndex(schoolId);
    const index = this.sequenceOf(userId, IdKind.user);
    if (school !== undefined && index !== undefined) {
      const plan = this.plan(school);
      const add = (local: number) => {
        const id = this.sectionId(school, local);
        if (!this.sectionOverlay.has(id)) found.set(id, this.generatedSection(school, local, 'v3.1'));
      };
      const p = plan.students.positionOf(index);
      if (p !== undefined) {
        for (const slot of plan.slots)
          if (slot.sections > 0) add(slot.firstLocal + sectionOfStudent(plan, slot, p));
      }
      const t = plan.teachers.positionOf(index);
      if (t !== undefined) {
        for (let local = 0; local < plan.total; local++)
          if (teacherPositions(this.ctx, plan, local).includes(t)) add(local);
      }
    }
    return [...found.values()].sort(byId);
  }

  /** Course and term ids the school's current sections reference, each once, ascending. */
  private refsOfSchool(schoolId: string, field: 'course' | 'term_id'): string[] {
    const ids = new Set<string>();
    if (!this.host.isSchoolShared(schoolId)) return [];
    for (const { record, deleted } of this.overlaySections(schoolId)) {
      const ref = record[field];
      if (!deleted && record.school === schoolId && typeof ref === 'string' && ref !== '') ids.add(ref);
    }
    const school = this.generatedSchoolIndex(schoolId);
    if (school !== undefined) {
      const plan = this.plan(school);
      for (let local = 0; local < plan.total; local++) {
        if (this.sectionOverlay.has(this.sectionId(school, local))) continue;
        const refs = sectionRefs(this.catalog, plan, local);
        ids.add(field === 'course' ? this.id(IdKind.course, refs.course) : this.id(IdKind.term, refs.term));
      }
    }
    return [...ids].sort();
  }

  // ---- courses and terms ----------------------------------------------------------------

  private catalogRecord<T extends { id: string }>(
    overlay: Map<string, Stored<T>>,
    kind: IdKind,
    count: number,
    generate: (index: number) => T,
    id: string,
  ): T | undefined {
    const stored = overlay.get(id);
    if (stored !== undefined) return stored.deleted ? undefined : stored.record;
    const sequence = this.sequenceOf(id, kind);
    return sequence !== undefined && sequence < count ? generate(sequence) : undefined;
  }

  private catalogSource<T extends { id: string }>(
    overlay: Map<string, Stored<T>>,
    kind: IdKind,
    count: number,
    generate: (index: number) => T,
  ): SortedSource<T> {
    const changed = [...overlay.values()].filter((s) => !s.deleted).map((s) => s.record);
    return mergeSources([
      progressionSource(
        { first: 0, step: 1, count },
        (index) => this.id(kind, index),
        (index, id) => (overlay.has(id) ? undefined : generate(index)),
      ),
      arraySource(changed.sort(byId)),
    ]);
  }

  private get courseCount(): number {
    return this.generate ? this.catalog.entries.length : 0;
  }

  private get termCount(): number {
    return this.generate ? GENERATED_TERMS : 0;
  }

  private readonly makeCourse = (index: number) => generateCourse(this.ctx, this.catalog, index);
  private readonly makeTerm = (index: number) => generateTerm(this.ctx, index);

  course(courseId: string): CourseRecord | undefined {
    return this.catalogRecord(this.courseOverlay, IdKind.course, this.courseCount, this.makeCourse, courseId);
  }

  term(termId: string): TermRecord | undefined {
    return this.catalogRecord(this.termOverlay, IdKind.term, this.termCount, this.makeTerm, termId);
  }

  courseSource(): SortedSource<CourseRecord> {
    return this.catalogSource(this.courseOverlay, IdKind.course, this.courseCount, this.makeCourse);
  }

  termSource(): SortedSource<TermRecord> {
    return this.catalogSource(this.termOverlay, IdKind.term, this.termCount, this.makeTerm);
  }

  /** Courses the school's sections use (existing ones only), ascending. */
  coursesOfSchool(schoolId: string): SortedSource<CourseRecord> {
    const courses = this.refsOfSchool(schoolId, 'course').map((id) => this.course(id));
    return arraySource(courses.filter((c): c is CourseRecord => c !== undefined));
  }

  termsOfSchool(schoolId: string): SortedSource<TermRecord> {
    const terms = this.refsOfSchool(schoolId, 'term_id').map((id) => this.term(id));
    return arraySource(terms.filter((t): t is TermRecord => t !== undefined));
  }

  /** Shared schools whose sections use a course or term (the events' `school=` filter). */
  schoolsUsing(id: string, field: 'course' | 'term_id', schoolIds: Iterable<string>): string[] {
    return [...schoolIds].filter((schoolId) => this.refsOfSchool(schoolId, field).includes(id));
  }

  putCourse(record: CourseRecord, deleted = false): void {
    this.courseOverlay.set(record.id, { record, deleted });
  }

  putTerm(record: TermRecord, deleted = false): void {
    this.termOverlay.set(record.id, { record, deleted });
  }

  mintCourseId(): string {
    return this.id(IdKind.course, CREATED_BASE + this.created.course++);
  }

  mintTermId(): string {
    return this.id(IdKind.term, CREATED_BASE + this.created.term++);
  }
}
