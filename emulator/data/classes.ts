/**
 * Generated classes (option `sections`): per district a catalog of courses and two semester
 * terms, per school sections over the school's own members. Like users, nothing is stored: a
 * section is rebuilt from (seed, district, school, local index) by arithmetic, so serving a page
 * costs the page, never the district.
 *
 * Each school runs a schedule of periods per term (by school level). For every (term, period)
 * the school's students are permuted (an affine map over their member positions) and cut into
 * sections of 20-35, so every student sits in exactly one section per (term, period); teachers
 * take the school's sections round-robin (some sections get a co-teacher).
 */
import { IdKind, makeId } from '../ids.js';
import { hash32, Rng } from '../random.js';
import type { CourseRecord, TermRecord } from '../types.js';
import {
  type GenerationContext,
  type SchoolLevel,
  schoolLevel,
  schoolLevels,
  timestamps,
} from './generate.js';
import type { DistrictLayout, Progression } from './layout.js';

/** School s owns section sequences [s * BLOCK, (s + 1) * BLOCK). */
export const SECTION_BLOCK = 2 ** 20;
/** Sections, courses and terms the admin API creates: above every generated id, as ObjectIds grow. */
export const CREATED_BASE = 2 ** 39;
export const MIN_SECTION_SIZE = 20;
export const MAX_SECTION_SIZE = 35;
const CO_TEACHER_PERCENT = 15;

const SALT = { section: 201, sectionV31: 202, plan: 203, coTeacher: 204 } as const;

const ELA = 'english/language arts';
const MATH = 'math';
const SCIENCE = 'science';
const SOCIAL = 'social studies';
const LANGUAGE = 'language';
const HOMEROOM = 'homeroom/advisory';
const ARTS = 'arts and music';
const PE = 'PE and health';
const TECH = 'technology and engineering';

/** Subjects by period for each term, per school level (keyed by the level's name suffix). */
const SCHEDULES: Record<string, readonly [readonly string[], readonly string[]]> = {
  'Early Learning Center': [
    [HOMEROOM, ARTS],
    [HOMEROOM, PE],
  ],
  'Elementary School': [
    [HOMEROOM, ELA, MATH, SCIENCE],
    [HOMEROOM, ELA, MATH, SOCIAL],
  ],
  'Middle School': [
    [ELA, MATH, SCIENCE, SOCIAL, LANGUAGE],
    [ELA, MATH, SCIENCE, SOCIAL, TECH],
  ],
  'High School': [
    [ELA, MATH, SCIENCE, SOCIAL, LANGUAGE, ARTS],
    [ELA, MATH, SCIENCE, SOCIAL, PE, TECH],
  ],
};

const SUBJECT_NAMES: Record<string, readonly [string, string]> = {
  [ELA]: ['English Language Arts', 'ELA'],
  [MATH]: ['Mathematics', 'MAT'],
  [SCIENCE]: ['Science', 'SCI'],
  [SOCIAL]: ['Social Studies', 'SOC'],
  [LANGUAGE]: ['Español', 'SPA'],
  [HOMEROOM]: ['Homeroom', 'HR'],
  [ARTS]: ['Art and Music', 'ART'],
  [PE]: ['Physical Education', 'PE'],
  [TECH]: ['Technology and Engineering', 'TEC'],
};

/** The district's two terms: the semesters of the school year the enrollments cover. */
const TERMS = [
  { name: 'Fall 2024', start_date: '2024-08-19T00:00:00.000Z', end_date: '2024-12-20T00:00:00.000Z' },
  { name: 'Spring 2025', start_date: '2025-01-06T00:00:00.000Z', end_date: '2025-06-13T00:00:00.000Z' },
] as const;
export const GENERATED_TERMS = TERMS.length;

// Multipliers of the per-period permutation; one that does not divide the member count is coprime.
const PRIMES = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

function uniqueGrades(level: SchoolLevel): string[] {
  return [...new Set<string>(level.grades)];
}

function subjectsOf(level: SchoolLevel): readonly [readonly string[], readonly string[]] {
  return SCHEDULES[level.suffix]!;
}

interface CatalogEntry {
  grade: string;
  subject: string;
}

/** The course catalog: one course per (grade, subject) taught at some school level. */
export class CourseCatalog {
  readonly entries: CatalogEntry[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(earlyLearningSchools: boolean) {
    for (const level of schoolLevels(earlyLearningSchools)) {
      const [first, second] = subjectsOf(level);
      const subjects = [...new Set([...first, ...second])];
      for (const grade of uniqueGrades(level)) {
        for (const subject of subjects) {
          this.byKey.set(`${grade}|${subject}`, this.entries.length);
          this.entries.push({ grade, subject });
        }
      }
    }
  }

  index(grade: string, subject: string): number {
    return this.byKey.get(`${grade}|${subject}`)!;
  }
}

const catalogs = new Map<boolean, CourseCatalog>();
export function courseCatalog(earlyLearningSchools: boolean): CourseCatalog {
  let catalog = catalogs.get(earlyLearningSchools);
  if (catalog === undefined) {
    catalog = new CourseCatalog(earlyLearningSchools);
    catalogs.set(earlyLearningSchools, catalog);
  }
  return catalog;
}

function gradeLabel(grade: string): string {
  return grade === 'Kindergarten' ? 'K' : grade;
}

export function generateCourse(ctx: GenerationContext, catalog: CourseCatalog, index: number): CourseRecord {
  const { grade, subject } = catalog.entries[index]!;
  const [name, code] = SUBJECT_NAMES[subject]!;
  return {
    id: makeId(ctx.idPrefix, ctx.districtSlot, IdKind.course, index),
    district: ctx.districtId,
    name: `${name} ${gradeLabel(grade)}`,
    number: `${code}-${grade === 'Kindergarten' ? 'K' : grade.slice(0, 2).toUpperCase()}${String(index).padStart(3, '0')}`,
  };
}

export function generateTerm(ctx: GenerationContext, index: number): TermRecord {
  return {
    id: makeId(ctx.idPrefix, ctx.districtSlot, IdKind.term, index),
    district: ctx.districtId,
    ...TERMS[index]!,
  };
}

/** The members of one school with one role, in a fixed order (runs concatenated, not id order). */
export class Members {
  readonly count: number;

  constructor(private readonly runs: Progression[]) {
    this.count = runs.reduce((sum, run) => sum + run.count, 0);
  }

  /** User index of the member at `position`. */
  at(position: number): number {
    let p = position;
    for (const run of this.runs) {
      if (p < run.count) return run.first + p * run.step;
      p -= run.count;
    }
    throw new RangeError(`member position ${position} out of range`);
  }

  /** Position of a user index among the members, or undefined when it is not one. */
  positionOf(index: number): number | undefined {
    let offset = 0;
    for (const run of this.runs) {
      const d = index - run.first;
      if (d >= 0 && d % run.step === 0 && d / run.step < run.count) return offset + d / run.step;
      offset += run.count;
    }
    return undefined;
  }
}

/** One (term, period) of a school: its students cut into `sections` sections. */
export interface PeriodSlot {
  term: number;
  period: number;
  subject: string;
  sections: number;
  firstLocal: number;
  multiplier: number;
  shift: number;
}

/** What it takes to generate any section of one school, computed in O(schedule + runs). */
export interface SchoolClassPlan {
  school: number;
  level: SchoolLevel;
  grades: string[];
  students: Members;
  teachers: Members;
  slots: PeriodSlot[];
  /** Number of generated sections (local indices 0..total-1). */
  total: number;
}

function sectionsPerSlot(students: number, h: number): number {
  if (students === 0) return 0;
  const low = Math.ceil(students / MAX_SECTION_SIZE);
  const high = Math.floor(students / MIN_SECTION_SIZE);
  return low <= high ? low + (h % (high - low + 1)) : Math.max(1, low);
}

function gcd(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * A multiplier coprime with n near n / golden ratio (a Weyl sequence: consecutive positions land
 * far apart, so each section mixes the whole school). Huge schools take a small prime instead,
 * keeping multiplier * position below 2^53.
 */
function coprimeMultiplier(n: number, h: number): number {
  if (n <= 2) return 1;
  if (n > 2 ** 26) {
    for (let i = 0; i < PRIMES.length; i++) {
      const a = PRIMES[(h + i) % PRIMES.length]!;
      if (n % a !== 0) return a;
    }
  }
  let a = Math.floor(n * 0.618034) + (h % Math.max(1, Math.floor(n / 16)));
  while (gcd(a % n, n) !== 1) a++;
  return a % n;
}

export function schoolClassPlan(
  ctx: GenerationContext,
  layout: DistrictLayout,
  school: number,
): SchoolClassPlan {
  const level = schoolLevel(ctx, school);
  const students = new Members(layout.schoolRuns(school, 'student', false));
  const teachers = new Members(layout.schoolRuns(school, 'teacher', false));
  const schedule = subjectsOf(level);
  const periods = schedule[0].length + schedule[1].length;
  const cap = Math.floor(SECTION_BLOCK / Math.max(1, periods));
  const slots: PeriodSlot[] = [];
  let total = 0;
  schedule.forEach((subjects, term) => {
    subjects.forEach((subject, p) => {
      const h = hash32(ctx.seedInt, ctx.districtSlot, SALT.plan, school, term, p);
      const sections = Math.min(cap, sectionsPerSlot(students.count, h));
      slots.push({
        term,
        period: p + 1,
        subject,
        sections,
        firstLocal: total,
        multiplier: coprimeMultiplier(students.count, h >>> 8),
        shift: students.count === 0 ? 0 : (h >>> 4) % students.count,
      });
      total += sections;
    });
  });
  return { school, level, grades: uniqueGrades(level), students, teachers, slots, total };
}

/** The slot a local section index belongs to, and its number inside the slot. */
export function slotOf(plan: SchoolClassPlan, local: number): { slot: PeriodSlot; k: number } {
  let found = plan.slots[0]!;
  for (const slot of plan.slots) if (slot.firstLocal <= local && slot.sections > 0) found = slot;
  return { slot: found, k: local - found.firstLocal };
}

function slotStart(slot: PeriodSlot, students: number, k: number): number {
  return Math.floor((k * students) / slot.sections);
}

/** Student member positions of section k of a slot. */
export function studentPositions(plan: SchoolClassPlan, slot: PeriodSlot, k: number): number[] {
  const n = plan.students.count;
  const out: number[] = [];
  const end = slotStart(slot, n, k + 1);
  for (let q = slotStart(slot, n, k); q < end; q++) out.push((slot.multiplier * q + slot.shift) % n);
  return out;
}

/** The section (k) of a slot that holds the student at member position p. */
export function sectionOfStudent(plan: SchoolClassPlan, slot: PeriodSlot, p: number): number {
  const n = plan.students.count;
  // q = multiplier^-1 * (p - shift) mod n; BigInt because the product can pass 2^53 in huge schools.
  const q = Number((modInverse(slot.multiplier, n) * BigInt((p - slot.shift + n) % n)) % BigInt(n));
  let k = Math.min(slot.sections - 1, Math.floor((q * slot.sections) / n));
  while (k + 1 < slot.sections && slotStart(slot, n, k + 1) <= q) k++;
  while (k > 0 && slotStart(slot, n, k) > q) k--;
  return k;
}

function modInverse(a: number, n: number): bigint {
  if (n === 1) return 0n;
  let [oldR, r] = [BigInt(a), BigInt(n)];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % BigInt(n)) + BigInt(n)) % BigInt(n);
}

/** Teacher member positions of a section: the primary first, then a co-teacher for some. */
export function teacherPositions(ctx: GenerationContext, plan: SchoolClassPlan, local: number): number[] {
  const t = plan.teachers.count;
  if (t === 0) return [];
  const primary = local % t;
  if (t < 2) return [primary];
  const h = hash32(ctx.seedInt, ctx.districtSlot, SALT.coTeacher, plan.school, local);
  return h % 100 < CO_TEACHER_PERCENT ? [primary, (local + (t >> 1)) % t] : [primary];
}

/** The grade of section k of a slot: the slots spread their sections over the level's grades. */
export function sectionGrade(plan: SchoolClassPlan, slot: PeriodSlot, k: number): string {
  return plan.grades[(k + slot.period + slot.term) % plan.grades.length]!;
}

/** Course and term indices of a generated section, without building it (courses of a school). */
export function sectionRefs(
  catalog: CourseCatalog,
  plan: SchoolClassPlan,
  local: number,
): { course: number; term: number } {
  const { slot, k } = slotOf(plan, local);
  return { course: catalog.index(sectionGrade(plan, slot, k), slot.subject), term: slot.term };
}

export interface GeneratedSectionParts {
  slot: PeriodSlot;
  k: number;
  /** created / last_modified from the section's own stream. */
  created: string;
  lastModified: string;
  ext: Record<string, unknown>;
  lms: { synced_in_lms: boolean } | undefined;
}

/** The random parts of a generated section (everything else is arithmetic). */
export function sectionParts(
  ctx: GenerationContext,
  plan: SchoolClassPlan,
  local: number,
): GeneratedSectionParts {
  const { slot, k } = slotOf(plan, local);
  const r = new Rng(ctx.seedInt, ctx.districtSlot, SALT.section, plan.school, local);
  const { created, last_modified } = timestamps(r);
  const ext = r.chance(0.4) ? { room: `Room ${100 + r.int(200)}` } : {};
  const v31 = new Rng(ctx.seedInt, ctx.districtSlot, SALT.sectionV31, plan.school, local);
  const lms = v31.chance(0.5) ? { synced_in_lms: v31.chance(0.5) } : undefined;
  return { slot, k, created, lastModified: last_modified, ext, lms };
}

export function courseDisplayName(catalog: CourseCatalog, index: number): string {
  const { grade, subject } = catalog.entries[index]!;
  return `${SUBJECT_NAMES[subject]![0]} ${gradeLabel(grade)}`;
}
