import { describe, expect, it } from 'vitest';
import {
  isStudent,
  isTeacher,
  parseDistrict,
  parseEvent,
  parseSchool,
  parseUser,
} from '../../src/clever/api/index.js';

describe('tolerant record parsing', () => {
  it('keeps a full student, drops unknown fields, keeps "" enums', () => {
    const user = parseUser({
      last_modified: '2024-06-01T00:00:00.000Z',
      roles: {
        student: {
          grade: '',
          gender: 'X',
          hispanic_ethnicity: '',
          dob: '1/2/2010',
          school: 's1',
          schools: ['s1', 's2'],
          sis_id: '123',
          enrollments: [{ school: 's1', start_date: '2024-08-01', end_date: '' }],
          email: 'kid@example.org',
          unexpected_field: { nested: true },
          credentials: { district_username: 'kid1', password_hint: 'nope' },
        },
      },
      id: '5f0000000000000000000001',
      district: 'd1',
      name: { first: 'Zoë', last: '李', middle: '' },
      created: '2024-01-01T00:00:00.000Z',
      brand_new_top_level: 1,
    });
    expect(user).toMatchObject({
      id: '5f0000000000000000000001',
      name: { first: 'Zoë', last: '李', middle: '' },
      roles: {
        student: {
          grade: '',
          gender: 'X',
          schools: ['s1', 's2'],
          email: 'kid@example.org',
          credentials: { district_username: 'kid1' },
        },
      },
    });
    expect(user).not.toHaveProperty('brand_new_top_level');
    expect(user.roles.student).not.toHaveProperty('unexpected_field');
    expect(user.roles.student?.credentials).not.toHaveProperty('password_hint');
    expect(isStudent(user)).toBe(true);
    expect(isTeacher(user)).toBe(false);
  });

  it('tolerates missing optional fields, nulls, numbers where strings are documented and wrong types', () => {
    const user = parseUser({
      id: 'u1',
      district: 'd1',
      name: { first: 'A', last: 'B' },
      email: null,
      roles: {
        student: { graduation_year: 2030, school: 's9', location: 'not an object', enrollments: [{}, 5] },
        teacher: 'garbage',
      },
    });
    expect(user.email).toBeUndefined();
    expect(user.roles.student).toMatchObject({ graduation_year: '2030', schools: ['s9'], enrollments: [] });
    expect(user.roles.student?.location).toBeUndefined();
    expect(user.roles.teacher).toBeUndefined();
  });

  it('keeps the email real records carry inside the teacher role', () => {
    const user = parseUser({
      id: 'u1',
      name: { first: 'A', last: 'B' },
      roles: { teacher: { school: 's1', email: 'inner@example.org' } },
    });
    expect(user.roles.teacher?.email).toBe('inner@example.org');
  });

  it('keeps the Data API v3.1 student fields and drops malformed ones', () => {
    const user = parseUser({
      id: 'u1',
      name: { first: 'A', last: 'B' },
      lms_status: { synced_in_lms: true },
      roles: {
        student: {
          school: 's1',
          preferred_name: { first: 'Al', middle: null, last: 'Bee', nickname: 'x' },
          gifted_status: 'N',
          section_504_status: '',
          home_language_code: 'eng',
          disability: { disability_status: 'Y', disability_code: 'sld', disability_type: null },
        },
      },
    });
    expect(user.roles.student).toMatchObject({
      preferred_name: { first: 'Al', last: 'Bee' },
      gifted_status: 'N',
      section_504_status: '',
      home_language_code: 'eng',
      disability: { disability_status: 'Y', disability_code: 'sld' },
    });
    expect(user.roles.student?.preferred_name).not.toHaveProperty('nickname');
    expect(user).not.toHaveProperty('lms_status');
    const odd = parseUser({ id: 'u2', roles: { student: { preferred_name: 'Al', disability: [1] } } });
    expect(odd.roles.student?.preferred_name).toBeUndefined();
    expect(odd.roles.student?.disability).toBeUndefined();
  });

  it('fills guaranteed strings that are missing with "" rather than failing a roster', () => {
    const user = parseUser({ id: 'u1', roles: null });
    expect(user).toMatchObject({ id: 'u1', district: '', name: { first: '', last: '' }, roles: {} });
  });

  it('requires the Clever id (every record is keyed on it)', () => {
    expect(() => parseUser({ name: { first: 'A', last: 'B' } })).toThrow(/invalid user record at id/);
    expect(() => parseSchool({ id: '   ' })).toThrow(/missing Clever id/);
    expect(() => parseUser('<html>')).toThrow();
  });

  it('parses schools and districts with optional blocks', () => {
    expect(
      parseSchool({
        id: 's1',
        district: 'd1',
        name: 'North',
        low_grade: 'Kindergarten',
        high_grade: '',
        principal: { name: 'P', email: 'p@example.org' },
        location: { zip: 12345, lat: -71.1 },
        ext: { custom: 1 },
      }),
    ).toMatchObject({
      name: 'North',
      high_grade: '',
      principal: { name: 'P' },
      location: { zip: '12345', lat: '-71.1' },
      ext: { custom: 1 },
    });
    expect(parseDistrict({ id: 'd1', name: 'D', state: '', login_methods: ['google', 3] })).toMatchObject({
      state: '',
      login_methods: ['google'],
    });
  });

  it('parses events with previous_attributes inside data, or beside it as in the spec', () => {
    const inside = parseEvent({
      id: 'e1',
      type: 'users.updated',
      created: '2025-01-01T00:00:00.000Z',
      data: { object: { id: 'u1' }, previous_attributes: { email: 'old@example.org' } },
    });
    expect(inside).toEqual({
      id: 'e1',
      type: 'users.updated',
      created: '2025-01-01T00:00:00.000Z',
      object: { id: 'u1' },
      previousAttributes: { email: 'old@example.org' },
    });
    const beside = parseEvent({ id: 'e2', type: 'users.deleted', data: { object: { id: 'u2' } } });
    expect(beside.previousAttributes).toBeUndefined();
    expect(() => parseEvent({ id: 'e3' })).toThrow(/type/);
  });
});
