-- Class rosters (sections, enrollments, courses, terms) arrive with this release. Schools synced
-- before it have an events cursor, so they would only ever apply class events and never pull
-- their existing classes: every school takes one full sync first. Data only; no schema change.
UPDATE "schools" SET "requires_full_sync" = true;
