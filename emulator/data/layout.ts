import { hash32 } from '../random.js';
import type { SchoolRole } from '../types.js';

/** How big one district is. Users are never stored: the layout says who is where by arithmetic. */
export interface DistrictShape {
  schools: number;
  studentsPerSchool: number;
  teachersPerSchool: number;
  staffPerSchool: number;
  /** Share (0..1) of students, teachers and staff who also belong to one or two more schools. */
  multiSchoolShare: number;
  /**
   * Share (0..1) of teachers who are also students and of staff who also teach (users with two
   * roles). The second role is in the primary school only. 0 or unset adds none.
   */
  multiRoleShare?: number;
}

/** Indices first, first+step, ... (count of them): one ascending run of generated users. */
export interface Progression {
  first: number;
  step: number;
  count: number;
}

export interface GeneratedUserPlacement {
  role: SchoolRole;
  /** Index of the primary school; the user's other schools follow it (wrapping around). */
  primarySchool: number;
  /** Position inside the primary school's block of this role. */
  local: number;
  schoolIndices: number[];
  /** A second role the user also carries (in the primary school), when multiRoleShare says so. */
  secondRole?: SchoolRole;
}

/** The role a user of each block may also carry: teachers who study, staff who teach. */
export const SECOND_ROLE: Partial<Record<SchoolRole, SchoolRole>> = { teacher: 'student', staff: 'teacher' };
/** The block whose users may carry `role` as their second role. */
const SECOND_ROLE_HOST: Partial<Record<SchoolRole, SchoolRole>> = { student: 'teacher', teacher: 'staff' };

const ROLE_SALT: Record<SchoolRole, number> = { student: 11, teacher: 23, staff: 37 };

/**
 * Generated users are numbered 0..totalUsers-1 and that number is their id sequence:
 *   [students of school 0, school 1, ...][teachers of school 0, ...][staff of school 0, ...]
 * A user in block b (primary school b) whose position v = local + offset satisfies
 * v % stride == 0 also belongs to school b+1; v % (3*stride) == 0 adds school b+2. So each
 * school's members are its own block plus two arithmetic progressions in neighbouring blocks,
 * and every list can be walked in id order from any point without materializing anything.
 * With multiRoleShare, every multiRoleStride-th user of the teacher block (counted across the
 * whole block) is also a student, and of the staff block also a teacher: one more progression.
 */
export class DistrictLayout {
  readonly totalUsers: number;
  private readonly stride: number;
  private readonly multiRoleStride: number;
  private readonly maxExtraSchools: number;
  private readonly base: Record<SchoolRole, number>;
  private readonly perSchool: Record<SchoolRole, number>;

  constructor(
    readonly shape: DistrictShape,
    private readonly seedInt: number,
    private readonly districtSlot: number,
  ) {
    const s = shape.schools;
    this.perSchool = {
      student: shape.studentsPerSchool,
      teacher: shape.teachersPerSchool,
      staff: shape.staffPerSchool,
    };
    this.base = {
      student: 0,
      teacher: s * shape.studentsPerSchool,
      staff: s * (shape.studentsPerSchool + shape.teachersPerSchool),
    };
    this.totalUsers = s * (shape.studentsPerSchool + shape.teachersPerSchool + shape.staffPerSchool);
    this.stride = shape.multiSchoolShare > 0 ? Math.max(1, Math.round(1 / shape.multiSchoolShare)) : 0;
    this.maxExtraSchools = this.stride === 0 ? 0 : Math.min(2, s - 1);
    const multiRole = shape.multiRoleShare ?? 0;
    this.multiRoleStride = multiRole > 0 ? Math.max(1, Math.round(1 / multiRole)) : 0;
  }

  private offset(block: number, role: SchoolRole): number {
    return hash32(this.seedInt, this.districtSlot, block, ROLE_SALT[role]) % (3 * this.stride);
  }

  private extraSchools(block: number, role: SchoolRole, local: number): number {
    if (this.maxExtraSchools === 0) return 0;
    const v = local + this.offset(block, role);
    if (v % this.stride !== 0) return 0;
    return v % (3 * this.stride) === 0 ? this.maxExtraSchools : 1;
  }

  /** Where a generated user sits; undefined for indices outside the generated range. */
  placement(index: number): GeneratedUserPlacement | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.totalUsers) return undefined;
    const role: SchoolRole =
      index < this.base.teacher ? 'student' : index < this.base.staff ? 'teacher' : 'staff';
    const offsetInRole = index - this.base[role];
    const primarySchool = Math.floor(offsetInRole / this.perSchool[role]);
    const local = offsetInRole % this.perSchool[role];
    const extra = this.extraSchools(primarySchool, role, local);
    const schoolIndices = [primarySchool];
    for (let k = 1; k <= extra; k++) schoolIndices.push((primarySchool + k) % this.shape.schools);
    const second = SECOND_ROLE[role];
    const placement: GeneratedUserPlacement = { role, primarySchool, local, schoolIndices };
    if (second !== undefined && this.multiRoleStride > 0 && offsetInRole % this.multiRoleStride === 0) {
      placement.secondRole = second;
    }
    return placement;
  }

  /** Runs of generated users with `role` (or every role) in one district, ascending. */
  roleRuns(role: SchoolRole | undefined): Progression[] {
    if (role === undefined) return [{ first: 0, step: 1, count: this.totalUsers }];
    const runs = [{ first: this.base[role], step: 1, count: this.shape.schools * this.perSchool[role] }];
    const host = SECOND_ROLE_HOST[role];
    if (host !== undefined && this.multiRoleStride > 0) {
      const total = this.shape.schools * this.perSchool[host];
      const count = Math.ceil(total / this.multiRoleStride);
      if (count > 0) runs.push({ first: this.base[host], step: this.multiRoleStride, count });
    }
    return runs.filter((run) => run.count > 0);
  }

  /** Runs of generated members of a school (primary block + neighbours' multi-school users). */
  schoolRuns(school: number, role: SchoolRole, primaryOnly: boolean): Progression[] {
    if (school < 0 || school >= this.shape.schools) return [];
    return [...this.ownRoleRuns(school, role, primaryOnly), ...this.secondRoleRuns(school, role)];
  }

  /** Users of the host block whose second role is `role`; it lists their primary school only. */
  private secondRoleRuns(school: number, role: SchoolRole): Progression[] {
    const host = SECOND_ROLE_HOST[role];
    const stride = this.multiRoleStride;
    if (host === undefined || stride === 0) return [];
    const n = this.perSchool[host];
    const low = school * n;
    const first = Math.ceil(low / stride) * stride;
    if (first >= low + n) return [];
    return [
      { first: this.base[host] + first, step: stride, count: Math.floor((low + n - 1 - first) / stride) + 1 },
    ];
  }

  private ownRoleRuns(school: number, role: SchoolRole, primaryOnly: boolean): Progression[] {
    const n = this.perSchool[role];
    if (n === 0) return [];
    const runs: Progression[] = [{ first: this.base[role] + school * n, step: 1, count: n }];
    if (primaryOnly) return runs;
    for (let k = 1; k <= this.maxExtraSchools; k++) {
      const block = (school - k + this.shape.schools) % this.shape.schools;
      const modulus = k === 1 ? this.stride : 3 * this.stride;
      const firstLocal = (modulus - (this.offset(block, role) % modulus)) % modulus;
      if (firstLocal >= n) continue;
      const count = Math.floor((n - 1 - firstLocal) / modulus) + 1;
      runs.push({ first: this.base[role] + block * n + firstLocal, step: modulus, count });
    }
    return runs;
  }
}
