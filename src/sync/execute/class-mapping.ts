/**
 * Clever sections, courses and terms -> rows, and a section's member lists -> link sets. Same
 * rules as the user mapping (src/sync/execute/mapping.ts): optional values are meaningful text or
 * null, control characters are dropped before hashing, ids are only trimmed.
 */
import type { CleverCourse, CleverSection, CleverTerm } from '../../clever/api/index.js';
import type { CourseRow, LinkKind, SectionMembers, SectionRow, TermRow } from '../../domain/index.js';
import { compactJson, idText, parseDob, parseTimestamp, text } from './mapping.js';

export function mapSection(section: CleverSection): SectionRow {
  return {
    cleverId: idText(section.id) ?? '',
    cleverDistrictId: text(section.district) ?? '',
    cleverSchoolId: idText(section.school) ?? '',
    name: text(section.name) ?? '',
    subject: text(section.subject),
    grade: text(section.grade),
    period: text(section.period),
    sectionNumber: text(section.section_number),
    cleverCourseId: idText(section.course),
    cleverTermId: idText(section.term_id),
    primaryTeacherCleverId: idText(section.teacher) ?? idText(section.teachers[0]),
    sisId: text(section.sis_id),
    lmsStatusJson: compactJson(section.lms_status),
    extJson: compactJson(section.ext),
    cleverCreated: parseTimestamp(section.created),
    cleverLastModified: parseTimestamp(section.last_modified),
  };
}

/**
 * The section's members of one kind, each once. The primary `teacher` is a member even when
 * Clever leaves it out of `teachers`.
 */
export function membersOf(section: CleverSection, kind: LinkKind): SectionMembers {
  const listed = kind === 'teachers' ? [section.teacher, ...section.teachers] : section.students;
  const memberIds = new Set<string>();
  for (const id of listed) {
    const clean = idText(id);
    if (clean !== null) memberIds.add(clean);
  }
  return { sectionId: idText(section.id) ?? '', memberIds: [...memberIds] };
}

export function mapCourse(course: CleverCourse): CourseRow {
  return {
    cleverId: idText(course.id) ?? '',
    cleverDistrictId: text(course.district) ?? '',
    name: text(course.name) ?? '',
    number: text(course.number),
  };
}

export function mapTerm(term: CleverTerm): TermRow {
  return {
    cleverId: idText(term.id) ?? '',
    cleverDistrictId: text(term.district) ?? '',
    name: text(term.name) ?? '',
    // Clever sends ISO dates (YYYY-MM-DD); M/D/YYYY is accepted as for birth dates.
    startDate: parseDob(term.start_date),
    endDate: parseDob(term.end_date),
  };
}
