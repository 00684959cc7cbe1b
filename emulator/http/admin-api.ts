import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { EmulatorAdmin, EmulatorAdminError } from '../admin.js';
import type { EmulatorWorld } from '../world.js';
import { type ApiResponse, errorJson, json } from './respond.js';
import { readBody } from './tokens-api.js';

export const ADMIN_PREFIX = '/__admin';

const schoolRole = z.enum(['student', 'teacher', 'staff']);
const record = z.record(z.string(), z.unknown());
const newUser = z.object({
  role: schoolRole,
  schoolId: z.string(),
  otherSchoolIds: z.array(z.string()).optional(),
  name: z.object({ first: z.string(), middle: z.string(), last: z.string() }).partial().optional(),
  email: z.string().optional(),
  roleFields: record.optional(),
});
const move = z.object({
  toSchoolId: z.string(),
  fromSchoolId: z.string().optional(),
  role: schoolRole.optional(),
});
const newSection = z.object({
  schoolId: z.string(),
  name: z.string().optional(),
  teacherIds: z.array(z.string()).optional(),
  studentIds: z.array(z.string()).optional(),
  fields: record.optional(),
});
const student = z.object({ studentId: z.string() });
const sectionMove = z.object({ toSchoolId: z.string() });
const clock = z.object({ advanceMs: z.number().min(0) });
const events = z.object({ enabled: z.boolean() });

type AdminHandler = (admin: EmulatorAdmin, world: EmulatorWorld, id: string, body: unknown) => ApiResponse;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new EmulatorAdminError(
      400,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

const ok = () => json(200, { ok: true });

/** Routes by "METHOD /template"; {id} is the one path parameter. */
const ROUTES: Record<string, AdminHandler> = {
  'GET /districts': (_a, world) =>
    json(200, {
      data: world.districts.map((d) => ({
        id: d.id,
        name: d.district().name,
        connected: world.tokens.isConnected(d.id),
        eventsEnabled: world.eventsEnabled.get(d.id),
        shape: d.layout.shape,
      })),
    }),
  'POST /districts/{id}/users': (a, _w, id, body) =>
    json(201, { data: a.createUser(id, parse(newUser, body)) }),
  'POST /districts/{id}/schools': (a, _w, id, body) =>
    json(201, { data: a.addSchool(id, parse(record, body ?? {})) }),
  'PATCH /districts/{id}': (a, _w, id, body) =>
    json(200, { data: a.updateDistrict(id, parse(record, body)) }),
  'POST /districts/{id}/sections': (a, _w, id, body) =>
    json(201, { data: a.createSection(id, parse(newSection, body)) }),
  'PATCH /sections/{id}': (a, _w, id, body) => json(200, { data: a.updateSection(id, parse(record, body)) }),
  'DELETE /sections/{id}': (a, _w, id) => {
    a.deleteSection(id);
    return ok();
  },
  'POST /sections/{id}/enrol': (a, _w, id, body) =>
    json(200, { data: a.enrolStudent(id, parse(student, body).studentId) }),
  'POST /sections/{id}/drop': (a, _w, id, body) =>
    json(200, { data: a.dropStudent(id, parse(student, body).studentId) }),
  'POST /sections/{id}/move': (a, _w, id, body) =>
    json(200, { data: a.moveSection(id, parse(sectionMove, body).toSchoolId) }),
  'POST /districts/{id}/courses': (a, _w, id, body) =>
    json(201, { data: a.createCourse(id, parse(record, body ?? {})) }),
  'PATCH /courses/{id}': (a, _w, id, body) => json(200, { data: a.updateCourse(id, parse(record, body)) }),
  'DELETE /courses/{id}': (a, _w, id) => {
    a.deleteCourse(id);
    return ok();
  },
  'POST /districts/{id}/terms': (a, _w, id, body) =>
    json(201, { data: a.createTerm(id, parse(record, body ?? {})) }),
  'PATCH /terms/{id}': (a, _w, id, body) => json(200, { data: a.updateTerm(id, parse(record, body)) }),
  'DELETE /terms/{id}': (a, _w, id) => {
    a.deleteTerm(id);
    return ok();
  },
  'POST /districts/{id}/rotate-token': (a, _w, id) => {
    a.rotateToken(id);
    return ok();
  },
  'POST /districts/{id}/disconnect': (a, _w, id) => {
    a.disconnectDistrict(id);
    return ok();
  },
  'POST /districts/{id}/reconnect': (a, _w, id) => {
    a.reconnectDistrict(id);
    return ok();
  },
  'PUT /districts/{id}/events': (a, _w, id, body) => {
    a.setEventsEnabled(id, parse(events, body).enabled);
    return ok();
  },
  'PATCH /users/{id}': (a, _w, id, body) => json(200, { data: a.updateUser(id, parse(record, body)) }),
  'DELETE /users/{id}': (a, _w, id) => {
    a.deleteUser(id);
    return ok();
  },
  'POST /users/{id}/restore': (a, _w, id) => json(200, { data: a.restoreUser(id) }),
  'POST /users/{id}/move': (a, _w, id, body) => {
    const input = parse(move, body);
    return json(200, {
      data: a.moveUser(id, input.toSchoolId, { fromSchoolId: input.fromSchoolId, role: input.role }),
    });
  },
  'PATCH /schools/{id}': (a, _w, id, body) => json(200, { data: a.updateSchool(id, parse(record, body)) }),
  'DELETE /schools/{id}': (a, _w, id) => {
    a.unshareSchool(id);
    return ok();
  },
  'POST /schools/{id}/reshare': (a, _w, id) => {
    a.reshareSchool(id);
    return ok();
  },
  'GET /faults': (_a, world) => json(200, { data: world.faults.list() }),
  'PUT /faults': (_a, world, _id, body) => {
    world.faults.set(body as never);
    return ok();
  },
  'POST /faults': (_a, world, _id, body) => {
    world.faults.add(body as never);
    return ok();
  },
  'DELETE /faults': (_a, world) => {
    world.faults.clear();
    return ok();
  },
  'GET /stats': (_a, world) => json(200, world.stats.snapshot()),
  'DELETE /stats': (_a, world) => {
    world.stats.reset();
    return ok();
  },
  'POST /clock': (a, _w, _id, body) => {
    a.advanceClock(parse(clock, body).advanceMs);
    return ok();
  },
};

/** The admin API over HTTP (enabled with adminHttp); mirrors EmulatorAdmin. */
export async function handleAdmin(
  world: EmulatorWorld,
  req: IncomingMessage,
  url: URL,
): Promise<ApiResponse> {
  const segments = url.pathname.slice(ADMIN_PREFIX.length).split('/').filter(Boolean);
  const id = segments[1] ?? '';
  const template = segments.map((s, i) => (i === 1 ? '{id}' : s)).join('/');
  const handler = ROUTES[`${req.method} /${template}`];
  if (handler === undefined) return errorJson(404, `no admin route ${req.method} ${url.pathname}`);
  try {
    const raw = await readBody(req);
    const body: unknown = raw.trim() === '' ? undefined : JSON.parse(raw);
    return handler(new EmulatorAdmin(world), world, decodeURIComponent(id), body);
  } catch (error) {
    if (error instanceof EmulatorAdminError) return errorJson(error.status, error.message);
    if (error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError) {
      return errorJson(400, error.message);
    }
    throw error;
  }
}
