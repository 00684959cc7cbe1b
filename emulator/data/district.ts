import { IdKind, makeId, parseId } from '../ids.js';
import type { ApiVersion, DistrictRecord, SchoolRecord, SchoolRole, UserRecord } from '../types.js';
import { SCHOOL_ROLES } from '../types.js';
import { ClassData } from './class-data.js';
import { type GenerationContext, generateDistrict, generateSchool, generateUser } from './generate.js';
import { DistrictLayout, type DistrictShape } from './layout.js';
import { arraySource, mergeSources, progressionSource, type SortedSource } from './sorted.js';
import { districtForVersion, userForVersion } from './v31.js';
import { type UserQuery, userMatches, visibleUser } from './visibility.js';

/** How generated records look beyond the district's shape (emulator options). */
export interface GenerationFlags {
  sendNulls: boolean;
  earlyLearningSchools: boolean;
  /** Generate sections, courses and terms (option `sections`). */
  sections: boolean;
}

interface StoredUser {
  record: UserRecord;
  /** Unshared/deleted users keep their record so a restore brings the same id back. */
  deleted: boolean;
}

/**
 * One district's current truth: the generated roster (never stored) plus a small overlay of
 * admin changes. Every read goes through here, so the API and the truth view always agree.
 */
export class DistrictData {
  readonly id: string;
  readonly layout: DistrictLayout;
  readonly ctx: GenerationContext;
  private readonly userOverlay = new Map<string, StoredUser>();
  private readonly schoolOverlay = new Map<string, SchoolRecord>();
  private readonly unsharedSchools = new Set<string>();
  /** Sections, courses and terms (generated with option `sections`, plus admin changes). */
  readonly classes: ClassData;
  private createdUsers = 0;
  private createdSchools = 0;
  private districtRecord: DistrictRecord | undefined;
  private readonly isShared = (schoolId: string) => !this.unsharedSchools.has(schoolId);

  constructor(
    readonly slot: number,
    seedInt: number,
    private readonly idPrefix: string,
    shape: DistrictShape,
    flags: GenerationFlags = { sendNulls: false, earlyLearningSchools: false, sections: false },
  ) {
    this.id = makeId(idPrefix, slot, IdKind.district, 0);
    this.layout = new DistrictLayout(shape, seedInt, slot);
    this.ctx = {
      seedInt,
      districtSlot: slot,
      idPrefix,
      districtId: this.id,
      schoolId: (index) => makeId(idPrefix, slot, IdKind.school, index),
      sendNulls: flags.sendNulls,
      earlyLearningSchools: flags.earlyLearningSchools,
    };
    this.classes = new ClassData(
      { ctx: this.ctx, layout: this.layout, isSchoolShared: (id) => this.isSchoolShared(id) },
      flags.sections,
    );
  }

  /** The district record as `version` serves it (default: the full v3.1 record). */
  district(version: ApiVersion = 'v3.1'): DistrictRecord {
    this.districtRecord ??= generateDistrict(this.ctx);
    return districtForVersion(this.districtRecord, version);
  }

  /** Replaces the district record (admin updateDistrict). */
  putDistrict(record: DistrictRecord): void {
    this.districtRecord = record;
  }

  userId(index: number): string {
    return makeId(this.idPrefix, this.slot, IdKind.user, index);
  }

  // ---- schools -------------------------------------------------------------------------

  private get schoolCount(): number {
    return this.layout.shape.schools + this.createdSchools;
  }

  /** Index of a school minted in this district (generated or created), else undefined. */
  schoolIndex(schoolId: string): number | undefined {
    const parsed = parseId(this.idPrefix, schoolId);
    if (parsed === undefined || parsed.districtSlot !== this.slot || parsed.kind !== IdKind.school)
      return undefined;
    return parsed.sequence < this.schoolCount ? parsed.sequence : undefined;
  }

  /** The school record whether or not it is shared. */
  rawSchool(schoolId: string): SchoolRecord | undefined {
    const index = this.schoolIndex(schoolId);
    if (index === undefined) return undefined;
    return this.schoolOverlay.get(schoolId) ?? generateSchool(this.ctx, index);
  }

  isSchoolShared(schoolId: string): boolean {
    return this.schoolIndex(schoolId) !== undefined && !this.unsharedSchools.has(schoolId);
  }

  school(schoolId: string): SchoolRecord | undefined {
    return this.isSchoolShared(schoolId) ? this.rawSchool(schoolId) : undefined;
  }

  schoolSource(): SortedSource<SchoolRecord> {
    return progressionSource(
      { first: 0, step: 1, count: this.schoolCount },
      this.ctx.schoolId,
      (index, id) =>
        this.unsharedSchools.has(id)
          ? undefined
          : (this.schoolOverlay.get(id) ?? generateSchool(this.ctx, index)),
    );
  }

  putSchool(record: SchoolRecord): void {
    this.schoolOverlay.set(record.id, record);
  }

  mintSchoolIndex(): number {
    return this.layout.shape.schools + this.createdSchools++;
  }

  setSchoolShared(schoolId: string, shared: boolean): void {
    if (shared) this.unsharedSchools.delete(schoolId);
    else this.unsharedSchools.add(schoolId);
  }

  // ---- users ---------------------------------------------------------------------------

  private userIndex(userId: string): number | undefined {
    const parsed = parseId(this.idPrefix, userId);
    if (parsed === undefined || parsed.districtSlot !== this.slot || parsed.kind !== IdKind.user)
      return undefined;
    return parsed.sequence;
  }

  private generated(index: number, version: ApiVersion = 'v3.1'): UserRecord | undefined {
    const placement = this.layout.placement(index);
    if (placement === undefined) return undefined;
    return generateUser(this.ctx, index, placement.role, placement.schoolIndices, {
      version,
      secondRole: placement.secondRole,
    });
  }

  /**
   * The stored or generated record, ignoring school sharing; undefined if it never existed.
   * Generated with `version`'s fields; stored (admin-changed) records are full v3.1 records.
   */
  rawUser(userId: string, version: ApiVersion = 'v3.1'): StoredUser | undefined {
    const stored = this.userOverlay.get(userId);
    if (stored !== undefined) return stored;
    const index = this.userIndex(userId);
    const record = index === undefined ? undefined : this.generated(index, version);
    return record === undefined ? undefined : { record, deleted: false };
  }

  /** The user as the API shows it now, or undefined when deleted/unshared. */
  user(
    userId: string,
    isShared: (schoolId: string) => boolean = this.isShared,
    version: ApiVersion = 'v3.1',
  ): UserRecord | undefined {
    const stored = this.rawUser(userId, version);
    if (stored === undefined || stored.deleted) return undefined;
    const visible = visibleUser(stored.record, isShared);
    return visible === undefined ? undefined : userForVersion(visible, version);
  }

  putUser(record: UserRecord, deleted = false): void {
    this.userOverlay.set(record.id, { record, deleted });
  }

  mintUserIndex(): number {
    return this.layout.totalUsers + this.createdUsers++;
  }

  /**
   * Users matching a list query, ascending id, as served (unshared schools filtered out), in
   * `version`'s shape (default: full v3.1 records).
   */
  userSource(query: UserQuery, version: ApiVersion = 'v3.1'): SortedSource<UserRecord> {
    const sources: SortedSource<UserRecord>[] = [];
    const load = (index: number, id: string) => this.loadGenerated(index, id, version);
    for (const run of this.generatedRuns(query)) {
      sources.push(progressionSource(run, (index) => this.userId(index), load));
    }
    const changed: UserRecord[] = [];
    for (const stored of this.userOverlay.values()) {
      if (stored.deleted) continue;
      const visible = visibleUser(stored.record, this.isShared);
      if (visible !== undefined && userMatches(visible, query))
        changed.push(userForVersion(visible, version));
    }
    changed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    sources.push(arraySource(changed));
    return mergeSources(sources);
  }

  private generatedRuns(query: UserQuery) {
    const schoolRoles = (
      query.role === undefined ? SCHOOL_ROLES : SCHOOL_ROLES.filter((r) => r === query.role)
    ) as SchoolRole[];
    if (query.schoolId === undefined) {
      if (query.role === undefined) return this.layout.roleRuns(undefined);
      return schoolRoles.flatMap((role) => this.layout.roleRuns(role));
    }
    const index = this.schoolIndex(query.schoolId);
    if (index === undefined) return [];
    return schoolRoles.flatMap((role) => this.layout.schoolRuns(index, role, query.primaryOnly === true));
  }

  private loadGenerated(index: number, id: string, version: ApiVersion): UserRecord | undefined {
    if (this.userOverlay.has(id)) return undefined;
    if (this.unsharedSchools.size === 0) return this.generated(index, version);
    const placement = this.layout.placement(index)!;
    if (!placement.schoolIndices.some((s) => this.isShared(this.ctx.schoolId(s)))) return undefined;
    const record = this.generated(index, version)!;
    return visibleUser(record, this.isShared);
  }
}
