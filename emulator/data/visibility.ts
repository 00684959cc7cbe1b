import type { SchoolRole, UserRecord, UserRole } from '../types.js';
import { SCHOOL_ROLES } from '../types.js';

/** What a user list asks for: `/users?role=`, `/schools/{id}/users?role=&primary=`. */
export interface UserQuery {
  role?: UserRole;
  schoolId?: string;
  primaryOnly?: boolean;
}

type RoleWithSchools = { school?: unknown; schools?: unknown; enrollments?: unknown };

function schoolsOf(role: RoleWithSchools): string[] {
  return Array.isArray(role.schools) ? (role.schools as string[]) : [];
}

function primarySchoolOf(roleName: SchoolRole, role: RoleWithSchools): string | undefined {
  // Staff have no `school` field; their first school stands in as primary.
  if (roleName === 'staff') return schoolsOf(role)[0];
  return typeof role.school === 'string' ? role.school : undefined;
}

/**
 * The record as a district that stopped sharing some schools would show it: unshared schools
 * leave `schools`, `school` and `enrollments`; a role left without schools disappears; a user
 * left with no school role at all is not visible (undefined).
 */
export function visibleUser(
  record: UserRecord,
  isShared: (schoolId: string) => boolean,
): UserRecord | undefined {
  let roles: UserRecord['roles'] | undefined;
  let hadSchoolRole = false;
  let keptSchoolRole = false;
  for (const roleName of SCHOOL_ROLES) {
    const role = record.roles[roleName] as RoleWithSchools | undefined;
    if (role === undefined) continue;
    hadSchoolRole = true;
    const schools = schoolsOf(role);
    const shared = schools.filter(isShared);
    if (shared.length === schools.length) {
      keptSchoolRole = true;
      continue;
    }
    roles ??= { ...record.roles };
    if (shared.length === 0) {
      delete roles[roleName];
      continue;
    }
    keptSchoolRole = true;
    const copy: Record<string, unknown> = { ...role, schools: shared };
    if (typeof role.school === 'string' && !isShared(role.school)) copy.school = shared[0];
    if (Array.isArray(role.enrollments)) {
      copy.enrollments = (role.enrollments as { school: string }[]).filter((e) => isShared(e.school));
    }
    (roles as Record<string, unknown>)[roleName] = copy;
  }
  if (hadSchoolRole && !keptSchoolRole) return undefined;
  return roles === undefined ? record : { ...record, roles };
}

export function userMatches(record: UserRecord, query: UserQuery): boolean {
  if (query.role !== undefined && record.roles[query.role] === undefined) return false;
  if (query.schoolId === undefined) return true;
  const candidates: readonly SchoolRole[] =
    query.role === undefined
      ? SCHOOL_ROLES
      : (SCHOOL_ROLES as readonly string[]).includes(query.role)
        ? [query.role as SchoolRole]
        : [];
  return candidates.some((roleName) => {
    const role = record.roles[roleName] as RoleWithSchools | undefined;
    if (role === undefined) return false;
    return query.primaryOnly
      ? primarySchoolOf(roleName, role) === query.schoolId
      : schoolsOf(role).includes(query.schoolId!);
  });
}

/** Every school a user record mentions (for the events `school=` filter). */
export function schoolIdsOfUser(record: UserRecord | undefined): string[] {
  if (record === undefined) return [];
  const ids = new Set<string>();
  for (const roleName of SCHOOL_ROLES) {
    const role = record.roles[roleName] as RoleWithSchools | undefined;
    if (role !== undefined) for (const id of schoolsOf(role)) ids.add(id);
  }
  return [...ids];
}
