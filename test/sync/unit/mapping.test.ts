import { describe, expect, it } from 'vitest';
import { parseUser } from '../../../src/clever/api/parse.js';
import type { CleverSchool, CleverUser } from '../../../src/clever/api/types.js';
import {
  mapSchool,
  mapStudent,
  mapTeacher,
  parseDob,
  roleSchools,
  text,
} from '../../../src/sync/execute/mapping.js';
import { userStream } from '../../../src/sync/execute/streams.js';
import { personInvalidReasons, preparePage } from '../../../src/sync/execute/validate.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const S1 = '5a0000000000000000000001';
const S2 = '5a0000000000000000000002';

function user(overrides: Partial<CleverUser> = {}): CleverUser {
  return {
    id: A,
    district: 'd00000000000000000000001',
    name: { first: 'Zoë', middle: 'María', last: "O'Brien-Øster" },
    email: 'zoe@example.org',
    created: '2023-08-01T12:00:00.000Z',
    last_modified: '2024-02-03T04:05:06.789Z',
    roles: {
      student: {
        school: S1,
        schools: [S1, S2],
        sis_id: 'SIS-1',
        student_number: '1001',
        state_id: 'ST-9',
        grade: 'Kindergarten',
        dob: '3/7/2018',
        gender: 'X',
        hispanic_ethnicity: 'N',
        race: 'Asian',
        ell_status: 'Y',
        graduation_year: '2031',
        credentials: { district_username: 'zoe.o' },
        location: { address: '1 Main St', city: 'Springfield', zip: '' },
        enrollments: [{ school: S1, start_date: '2023-08-20' }],
        ext: { custom: 1 },
        legacy_id: 'L-1',
      },
    },
    ...overrides,
  };
}

describe('text / parseDob', () => {
  it('turns missing, "" and whitespace into null and trims the rest', () => {
    expect(text(undefined)).toBeNull();
    expect(text('')).toBeNull();
    expect(text('   ')).toBeNull();
    expect(text(' 3 ')).toBe('3');
    expect(text(7)).toBe('7');
    expect(text({})).toBeNull();
  });

  it('converts Clever M/D/YYYY to ISO, with or without leading zeros', () => {
    expect(parseDob('3/7/2018')).toBe('2018-03-07');
    expect(parseDob('03/07/2018')).toBe('2018-03-07');
    expect(parseDob('12/31/1999')).toBe('1999-12-31');
    expect(parseDob('2/29/2016')).toBe('2016-02-29');
    expect(parseDob('2018-03-07')).toBe('2018-03-07');
  });

  it('rejects impossible or malformed dates instead of storing a wrong birthday', () => {
    expect(parseDob('2/29/2017')).toBeNull();
    expect(parseDob('13/1/2010')).toBeNull();
    expect(parseDob('4/31/2010')).toBeNull();
    expect(parseDob('0/10/2010')).toBeNull();
    expect(parseDob('3-7-2018')).toBeNull();
    expect(parseDob('')).toBeNull();
    expect(parseDob(undefined)).toBeNull();
  });
});

describe('mapStudent', () => {
  it('maps every Clever field to its column', () => {
    const row = mapStudent(user());
    expect(row).toEqual({
      cleverId: A,
      cleverDistrictId: 'd00000000000000000000001',
      cleverSchoolId: S1,
      schoolIdsJson: JSON.stringify([S1, S2]),
      firstName: 'Zoë',
      middleName: 'María',
      lastName: "O'Brien-Øster",
      email: 'zoe@example.org',
      sisId: 'SIS-1',
      stateId: 'ST-9',
      districtUsername: 'zoe.o',
      legacyId: 'L-1',
      extJson: '{"custom":1}',
      cleverCreated: new Date('2023-08-01T12:00:00.000Z'),
      cleverLastModified: new Date('2024-02-03T04:05:06.789Z'),
      preferredFirstName: null,
      preferredMiddleName: null,
      preferredLastName: null,
      studentNumber: '1001',
      grade: 'Kindergarten',
      dob: '2018-03-07',
      gender: 'X',
      hispanicEthnicity: 'N',
      race: 'Asian',
      ellStatus: 'Y',
      iepStatus: null,
      frlStatus: null,
      giftedStatus: null,
      section504Status: null,
      disabilityStatus: null,
      disabilityCode: null,
      disabilityType: null,
      homeLanguage: null,
      homeLanguageCode: null,
      graduationYear: '2031',
      locationJson: '{"address":"1 Main St","city":"Springfield"}',
      enrollmentsJson: JSON.stringify([{ school: S1, start_date: '2023-08-20' }]),
    });
  });

  it('stores null (never "") for missing and empty optional fields', () => {
    const row = mapStudent({
      id: A,
      district: 'd1',
      name: { first: 'A', last: 'B', middle: '' },
      roles: { student: { schools: [S1], grade: '', gender: '', dob: '', ext: {}, location: {} } },
    });
    expect(row).not.toBeNull();
    const values = Object.entries(row!).filter(
      ([k]) =>
        ![
          'cleverId',
          'cleverDistrictId',
          'cleverSchoolId',
          'schoolIdsJson',
          'firstName',
          'lastName',
        ].includes(k),
    );
    for (const [key, value] of values) expect([key, value]).toEqual([key, null]);
  });

  it('keeps numeric grades as Clever sends them', () => {
    expect(mapStudent(user({ roles: { student: { schools: [S1], grade: '12' } } }))?.grade).toBe('12');
    expect(mapStudent(user({ roles: { student: { schools: [S1], grade: 'PostGraduate' } } }))?.grade).toBe(
      'PostGraduate',
    );
  });

  it('takes the first listed school as primary when `school` is missing, and lists it once', () => {
    const row = mapStudent(user({ roles: { student: { schools: [S2, S1, S2] } } }));
    expect(row?.cleverSchoolId).toBe(S2);
    expect(JSON.parse(row!.schoolIdsJson)).toEqual([S2, S1]);
    expect(roleSchools({ school: S1, schools: [S2] }).all).toEqual([S1, S2]);
  });

  it('falls back to the email Clever puts inside the role', () => {
    const raw = user({ email: undefined });
    (raw.roles.student as unknown as Record<string, unknown>).email = 'inner@example.org';
    expect(mapStudent(raw)?.email).toBe('inner@example.org');
  });

  it('maps the Data API v3.1 student fields: preferred name, statuses, disability, home language', () => {
    const raw = user();
    Object.assign(raw.roles.student!, {
      preferred_name: { first: ' Zo ', last: 'Øster' },
      gifted_status: 'Y',
      section_504_status: 'N',
      iep_status: 'Y',
      frl_status: 'Reduced',
      home_language: 'Spanish',
      home_language_code: 'spa',
      disability: {
        disability_status: 'Y',
        disability_code: 'sld',
        disability_type: 'Specific learning disability',
      },
    });
    expect(mapStudent(raw)).toMatchObject({
      preferredFirstName: 'Zo',
      preferredMiddleName: null,
      preferredLastName: 'Øster',
      giftedStatus: 'Y',
      section504Status: 'N',
      iepStatus: 'Y',
      frlStatus: 'Reduced',
      homeLanguage: 'Spanish',
      homeLanguageCode: 'spa',
      disabilityStatus: 'Y',
      disabilityCode: 'sld',
      disabilityType: 'Specific learning disability',
    });
  });

  it('returns null for a user without the student role', () => {
    expect(mapStudent(user({ roles: { teacher: { schools: [S1] } } }))).toBeNull();
  });
});

describe('control characters', () => {
  it('drops NUL and other control characters from every text field, keeping the rest of the text', () => {
    const row = mapStudent(
      user({
        name: { first: 'Nul\u0000Byte', middle: '\u0007', last: 'Tab\tand\u001bEsc' },
        roles: {
          student: {
            school: S1,
            schools: [S1],
            sis_id: 'SIS\u0000-1',
            ext: { 'k\u0000ey': 'v\u0000al' },
            location: { city: 'Spring\u0000field' },
            enrollments: [{ school: S1, start_date: '2023\u0000-08-20' }],
          },
        },
      }),
    )!;
    expect(row.firstName).toBe('NulByte');
    expect(row.middleName).toBeNull();
    expect(row.lastName).toBe('Tab\tandEsc');
    expect(row.sisId).toBe('SIS-1');
    expect(row.extJson).toBe('{"key":"val"}');
    expect(row.locationJson).toBe('{"city":"Springfield"}');
    expect(row.enrollmentsJson).toContain('"2023-08-20"');
    expect(JSON.stringify(row)).not.toMatch(/\\u000[0-8b-f]|\\u001/i);
  });

  it('replaces lone surrogates, so the stored text is what was hashed', () => {
    expect(text('a\ud800b')).toBe('a\ufffdb');
  });

  it('refuses an id with a control character instead of turning it into another id', () => {
    const page = preparePage(userStream('students'), [user({ id: `${A.slice(0, 23)}\u0000` })]);
    expect(page.rows).toHaveLength(0);
    expect(page.invalid[0]?.reasons).toContain('missing_id');
  });
});

describe('mapTeacher', () => {
  it('maps the teacher role of a multi-role user separately from the student role', () => {
    const both = user({
      roles: {
        student: { schools: [S1] },
        teacher: { school: S2, schools: [S2], teacher_number: 'T-7', title: 'Coach', sis_id: 'T-SIS' },
      },
    });
    const teacher = mapTeacher(both);
    expect(teacher).toMatchObject({
      cleverId: A,
      cleverSchoolId: S2,
      teacherNumber: 'T-7',
      title: 'Coach',
      sisId: 'T-SIS',
    });
    expect(mapStudent(both)?.cleverSchoolId).toBe(S1);
  });

  it('falls back to the email Clever puts inside the teacher role, as for students', () => {
    // Through the parser, as records arrive: it must not drop the role's email.
    const teacher = parseUser({
      ...user({ email: undefined }),
      roles: { teacher: { school: S1, schools: [S1], email: 'teacher@example.org' } },
    });
    expect(mapTeacher(teacher)?.email).toBe('teacher@example.org');
    expect(mapTeacher({ ...teacher, email: 'top@example.org' })?.email).toBe('top@example.org');
  });
});

describe('mapSchool', () => {
  it('maps a school with missing optional fields to nulls', () => {
    const school: CleverSchool = {
      id: S1,
      district: 'd1',
      name: ' École Ñandú ',
      school_number: '',
      low_grade: 'Kindergarten',
      principal: { name: 'P. Rincipal', email: '' },
      last_modified: '2024-01-01T00:00:00Z',
    };
    expect(mapSchool(school)).toEqual({
      cleverSchoolId: S1,
      name: 'École Ñandú',
      schoolNumber: null,
      sisId: null,
      stateId: null,
      ncesId: null,
      lowGrade: 'Kindergarten',
      highGrade: null,
      phone: null,
      principalName: 'P. Rincipal',
      principalEmail: null,
      locationJson: null,
      cleverLastModified: new Date('2024-01-01T00:00:00Z'),
    });
  });
});

describe('validation and page preparation', () => {
  it('requires an id, a name and a school', () => {
    expect(personInvalidReasons({ cleverId: A, firstName: 'A', lastName: '', cleverSchoolId: S1 })).toEqual(
      [],
    );
    expect(personInvalidReasons({ cleverId: '', firstName: '', lastName: '', cleverSchoolId: '' })).toEqual([
      'missing_id',
      'missing_name',
      'missing_school',
    ]);
  });

  it('skips invalid records, counts them by Clever id only, and collapses repeats of one id', () => {
    const good = user();
    const nameless = user({ id: 'b'.repeat(24), name: { first: '', last: '  ' } });
    const schoolless = user({ id: 'c'.repeat(24), roles: { student: { schools: [] } } });
    const teacherOnly = user({ id: 'd'.repeat(24), roles: { teacher: { schools: [S1] } } });
    const repeat = user({ name: { first: 'Later', last: 'Wins' } });
    const page = preparePage(userStream('students'), [good, nameless, schoolless, teacherOnly, repeat]);
    expect(page.received).toBe(4);
    expect(page.rows.map((r) => [r.cleverId, r.firstName])).toEqual([[A, 'Later']]);
    expect(page.invalid).toEqual([
      { cleverId: 'b'.repeat(24), reasons: ['missing_name'] },
      { cleverId: 'c'.repeat(24), reasons: ['missing_school'] },
      { cleverId: 'd'.repeat(24), reasons: ['missing_role'] },
    ]);
    // Nothing but ids and reason codes: no names reach a log line through InvalidRecord.
    expect(JSON.stringify(page.invalid)).not.toMatch(/Zoë|O'Brien|example\.org/);
  });
});
