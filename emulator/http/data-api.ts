import type { DistrictData } from '../data/district.js';
import { arraySource, type SortedSource } from '../data/sorted.js';
import { eventForVersion } from '../data/v31.js';
import { toWireEvent } from '../events.js';
import type { ApiVersion, EventRecord, SchoolRole, UserRole } from '../types.js';
import { CLASS_RECORD_TYPES, SCHOOL_ROLES, USER_ROLES } from '../types.js';
import type { EmulatorWorld } from '../world.js';
import { CLASS_ROUTES } from './classes-api.js';
import { listResponse } from './paging.js';
import { type ApiResponse, errorJson, json } from './respond.js';

export interface DataRequest {
  world: EmulatorWorld;
  district: DistrictData;
  /** '/v3.0' or '/v3.1': echoed in every uri. */
  versionPrefix: string;
  /** Which version's record shapes to serve. */
  version: ApiVersion;
  id: string | undefined;
  pathname: string;
  search: string;
  query: URLSearchParams;
}

type Handler = (request: DataRequest) => ApiResponse;

function single(uri: string, record: unknown, extraLinks: { rel: string; uri: string }[] = []): ApiResponse {
  return json(200, { data: record, links: [{ rel: 'self', uri }, ...extraLinks] });
}

function notFound(what: string, id: string | undefined): ApiResponse {
  return errorJson(404, id === undefined ? `${what} not found` : `${what} ${id} not found`);
}

function roleParam(query: URLSearchParams, allowed: readonly string[]): UserRole | undefined | ApiResponse {
  const role = query.get('role');
  if (role === null || role === '') return undefined;
  if (!allowed.includes(role)) return errorJson(400, `role must be one of ${allowed.join(', ')}`);
  return role as UserRole;
}

/** Without read:sections, section, course and term events are not served. */
function visibleEvent(world: EmulatorWorld, event: EventRecord): boolean {
  return (
    world.options.sectionsScope ||
    !(CLASS_RECORD_TYPES as readonly string[]).includes(event.type.split('.')[0]!)
  );
}

function eventsList(request: DataRequest): ApiResponse {
  const { world, district, query } = request;
  if (world.eventsEnabled.get(district.id) !== true) {
    return errorJson(403, 'events are not enabled for this district');
  }
  const log = world.eventLog(district.id);
  const cursor = query.get('starting_after');
  if (cursor) {
    const check = log.checkCursor(cursor);
    if (check === 'expired') return errorJson(404, `event ${cursor} is older than the retention window`);
    if (check === 'unknown') return errorJson(404, `event ${cursor} not found`);
  }
  const school = query.get('school') || undefined;
  const recordTypes = query.getAll('record_type').filter(Boolean);
  const events = log
    .retained()
    .filter((e) => visibleEvent(world, e))
    .filter((e) => school === undefined || e.schoolIds.includes(school))
    .filter((e) => recordTypes.length === 0 || recordTypes.includes(e.type.split('.')[0]!))
    .map((e) => eventForVersion(toWireEvent(e), request.version));
  const source: SortedSource<EventRecord> = arraySource(events);
  return listResponse(request, source, (e) => `${request.versionPrefix}/events/${e.id}`);
}

/** Data API routes by template; every one is scoped to the bearer token's district. */
export const DATA_ROUTES: Record<string, Handler> = {
  '/districts': (r) =>
    listResponse(
      r,
      arraySource([r.district.district(r.version)]),
      (d) => `${r.versionPrefix}/districts/${d.id}`,
    ),
  '/districts/{id}': (r) =>
    r.id === r.district.id
      ? single(`${r.versionPrefix}/districts/${r.id}`, r.district.district(r.version))
      : notFound('district', r.id),
  '/schools': (r) => listResponse(r, r.district.schoolSource(), (s) => `${r.versionPrefix}/schools/${s.id}`),
  '/schools/{id}': (r) => {
    const school = r.id === undefined ? undefined : r.district.school(r.id);
    if (school === undefined) return notFound('school', r.id);
    return single(`${r.versionPrefix}/schools/${school.id}`, school, [
      { rel: 'district', uri: `${r.versionPrefix}/schools/${school.id}/district` },
    ]);
  },
  '/schools/{id}/district': (r) =>
    r.id !== undefined && r.district.school(r.id) !== undefined
      ? single(`${r.versionPrefix}/districts/${r.district.id}`, r.district.district(r.version))
      : notFound('school', r.id),
  '/schools/{id}/users': (r) => {
    if (r.id === undefined || r.district.school(r.id) === undefined) return notFound('school', r.id);
    const role = roleParam(r.query, SCHOOL_ROLES);
    if (typeof role === 'object') return role;
    const source = r.district.userSource(
      {
        schoolId: r.id,
        role: role as SchoolRole | undefined,
        primaryOnly: r.query.get('primary') === 'true',
      },
      r.version,
    );
    return listResponse(r, source, (u) => `${r.versionPrefix}/users/${u.id}`);
  },
  '/users': (r) => {
    const role = roleParam(r.query, USER_ROLES);
    if (typeof role === 'object') return role;
    return listResponse(
      r,
      r.district.userSource({ role }, r.version),
      (u) => `${r.versionPrefix}/users/${u.id}`,
    );
  },
  '/users/{id}': (r) => {
    const user = r.id === undefined ? undefined : r.district.user(r.id, undefined, r.version);
    if (user === undefined || user.district !== r.district.id) return notFound('user', r.id);
    return single(`${r.versionPrefix}/users/${user.id}`, user, [
      { rel: 'district', uri: `${r.versionPrefix}/users/${user.id}/district` },
    ]);
  },
  '/users/{id}/district': (r) =>
    r.id !== undefined && r.district.user(r.id) !== undefined
      ? single(`${r.versionPrefix}/districts/${r.district.id}`, r.district.district(r.version))
      : notFound('user', r.id),
  '/events': eventsList,
  '/events/{id}': (r) => {
    if (r.world.eventsEnabled.get(r.district.id) !== true)
      return errorJson(403, 'events are not enabled for this district');
    const event = r.id === undefined ? undefined : r.world.eventLog(r.district.id).get(r.id);
    return event === undefined || !visibleEvent(r.world, event)
      ? notFound('event', r.id)
      : single(`${r.versionPrefix}/events/${event.id}`, eventForVersion(toWireEvent(event), r.version));
  },
  ...CLASS_ROUTES,
};
