import { ValidationError } from '../../errors.js';
import type { Logger } from '../../telemetry/index.js';
import { EnvelopeError, readListEnvelope, readSingleEnvelope } from './envelope.js';
import { type ApiLocation, endpointUrl, fetchPages, invalidResponse } from './paging.js';
import {
  isStudent,
  isTeacher,
  parseCourse,
  parseDistrict,
  parseEvent,
  parseSchool,
  parseSection,
  parseTerm,
  parseUser,
  RecordParseError,
} from './parse.js';
import type { CleverTransport } from './transport.js';
import type {
  CleverCourse,
  CleverDistrict,
  CleverDistrictApi,
  CleverEvent,
  CleverSchool,
  CleverSection,
  CleverStudent,
  CleverTeacher,
  CleverTerm,
  CleverUser,
  EventQuery,
  PageOptions,
} from './types.js';

export interface DistrictApiContext {
  transport: CleverTransport;
  location: ApiLocation;
  /** Default `limit` (SYNC_PAGE_SIZE). */
  pageSize: number;
  logger: Logger;
}

/** The Data API seen through one district's token. Stateless apart from the shared transport. */
export class DistrictApi implements CleverDistrictApi {
  constructor(
    readonly districtId: string,
    private readonly context: DistrictApiContext,
  ) {}

  getDistrict(): Promise<CleverDistrict> {
    return this.getOne(`/districts/${segment(this.districtId)}`, parseDistrict);
  }

  getSchools(options?: PageOptions): AsyncIterable<CleverSchool[]> {
    return this.getPagedData('/schools', parseSchool, options);
  }

  getSchool(schoolId: string): Promise<CleverSchool> {
    return this.getOne(`/schools/${segment(schoolId)}`, parseSchool);
  }

  async *getSchoolUsers(schoolId: string, options?: PageOptions): AsyncGenerator<CleverUser[]> {
    // Each user once per listing, even should Clever repeat one (memory: one id per user of the school).
    const seen = new Set<string>();
    for await (const page of this.getPagedData(`/schools/${segment(schoolId)}/users`, parseUser, options)) {
      const kept = page.filter((user) => !seen.has(user.id) && seen.add(user.id));
      if (kept.length > 0) yield kept;
    }
  }

  getStudents(schoolId: string, lastModified?: Date, options?: PageOptions): AsyncIterable<CleverStudent[]> {
    return this.schoolUsers(schoolId, 'student', isStudent, lastModified, options);
  }

  getTeachers(schoolId: string, lastModified?: Date, options?: PageOptions): AsyncIterable<CleverTeacher[]> {
    return this.schoolUsers(schoolId, 'teacher', isTeacher, lastModified, options);
  }

  getUser(userId: string): Promise<CleverUser> {
    return this.getOne(`/users/${segment(userId)}`, parseUser);
  }

  getSchoolSections(schoolId: string, options?: PageOptions): AsyncIterable<CleverSection[]> {
    return this.getPagedData(`/schools/${segment(schoolId)}/sections`, parseSection, options);
  }

  getSchoolCourses(schoolId: string, options?: PageOptions): AsyncIterable<CleverCourse[]> {
    return this.getPagedData(`/schools/${segment(schoolId)}/courses`, parseCourse, options);
  }

  getSchoolTerms(schoolId: string, options?: PageOptions): AsyncIterable<CleverTerm[]> {
    return this.getPagedData(`/schools/${segment(schoolId)}/terms`, parseTerm, options);
  }

  getCourses(options?: PageOptions): AsyncIterable<CleverCourse[]> {
    return this.getPagedData('/courses', parseCourse, options);
  }

  getTerms(options?: PageOptions): AsyncIterable<CleverTerm[]> {
    return this.getPagedData('/terms', parseTerm, options);
  }

  getPagedData<T>(
    endpoint: string,
    parseItem: (raw: unknown) => T,
    options: PageOptions = {},
  ): AsyncIterable<T[]> {
    return fetchPages({
      transport: this.context.transport,
      location: this.context.location,
      districtId: this.districtId,
      endpoint,
      pageSize: options.pageSize ?? this.context.pageSize,
      startingAfter: options.startingAfter,
      parseItem,
    });
  }

  getEvents(query: EventQuery = {}): AsyncIterable<CleverEvent[]> {
    const params = new URLSearchParams();
    if (query.schoolId) params.set('school', query.schoolId);
    // Repeated `record_type=` (not `record_type[]=`), as Clever expects.
    for (const type of query.recordTypes ?? []) params.append('record_type', type);
    const search = params.toString();
    return this.getPagedData(`/events${search ? `?${search}` : ''}`, parseEvent, {
      pageSize: query.pageSize,
      startingAfter: query.startingAfter,
    });
  }

  /** Clever's idiom for the newest event: `ending_before=last&limit=1`. */
  async getLatestEventId(): Promise<string | null> {
    const url = endpointUrl(this.context.location, '/events?ending_before=last&limit=1');
    const response = await this.context.transport.get(url, { districtId: this.districtId, pageSize: 1 });
    try {
      const { items } = readListEnvelope(response.data);
      // Events are sorted oldest -> newest; should more than one come back, the last is the newest.
      const last = items.at(-1);
      return last === undefined ? null : parseEvent(last).id;
    } catch (error) {
      throw wrapParseError(error, url, response.status, response.data);
    }
  }

  /**
   * `/schools/{id}/users?role=...`: every user associated with the school, not only primary ones.
   * Role-filtered lists can return a multi-role user once per role, so ids are deduplicated within
   * the school (memory: one id per user of one school). `lastModified` filters here, on the client:
   * Clever has no server-side filter, so every page is still fetched.
   */
  private async *schoolUsers<U extends CleverUser>(
    schoolId: string,
    role: 'student' | 'teacher',
    hasRole: (user: CleverUser) => user is U,
    lastModified: Date | undefined,
    options: PageOptions | undefined,
  ): AsyncGenerator<U[]> {
    const since = lastModified?.getTime();
    if (since !== undefined && Number.isNaN(since))
      throw new ValidationError('lastModified is not a valid date');
    const seen = new Set<string>();
    let withoutRole = 0;
    const endpoint = `/schools/${segment(schoolId)}/users?role=${role}`;
    for await (const page of this.getPagedData(endpoint, parseUser, options)) {
      const kept: U[] = [];
      for (const user of page) {
        if (seen.has(user.id)) continue;
        seen.add(user.id);
        if (!hasRole(user)) {
          withoutRole++;
          continue;
        }
        if (since !== undefined && !modifiedSince(user, since)) continue;
        kept.push(user);
      }
      if (kept.length > 0) yield kept;
    }
    if (withoutRole > 0) {
      this.context.logger.warn(
        {
          event: 'clever.users.missingRole',
          districtId: this.districtId,
          schoolId,
          role,
          count: withoutRole,
        },
        `Clever listed ${withoutRole} user(s) for role=${role} without that role; skipped`,
      );
    }
  }

  private async getOne<T>(endpoint: string, parse: (raw: unknown) => T): Promise<T> {
    const url = endpointUrl(this.context.location, endpoint);
    const response = await this.context.transport.get(url, { districtId: this.districtId });
    try {
      return parse(readSingleEnvelope(response.data));
    } catch (error) {
      throw wrapParseError(error, url, response.status, response.data);
    }
  }
}

function wrapParseError(error: unknown, url: URL, status: number, body: unknown): unknown {
  if (error instanceof EnvelopeError || error instanceof RecordParseError) {
    return invalidResponse(url, status, error.message, body, error);
  }
  return error;
}

/** Records without a parseable last_modified are kept: dropping them could lose a real change. */
function modifiedSince(user: CleverUser, sinceMs: number): boolean {
  const modified = user.last_modified ? Date.parse(user.last_modified) : Number.NaN;
  return Number.isNaN(modified) || modified >= sinceMs;
}

/** Ids go into the path; encoding keeps a hostile id from changing the request. */
function segment(id: string): string {
  if (id.trim() === '') throw new ValidationError('A Clever id must not be empty');
  return encodeURIComponent(id);
}
