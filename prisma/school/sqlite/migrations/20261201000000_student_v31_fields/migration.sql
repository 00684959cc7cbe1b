-- Data API v3.1 student fields (preferred name, statuses, disability, home language code).
-- Nullable and without defaults: existing rows get NULL, and the next sync fills them.

-- AlterTable
ALTER TABLE "students" ADD COLUMN "preferred_first_name" TEXT;
ALTER TABLE "students" ADD COLUMN "preferred_middle_name" TEXT;
ALTER TABLE "students" ADD COLUMN "preferred_last_name" TEXT;
ALTER TABLE "students" ADD COLUMN "gifted_status" TEXT;
ALTER TABLE "students" ADD COLUMN "section504_status" TEXT;
ALTER TABLE "students" ADD COLUMN "disability_status" TEXT;
ALTER TABLE "students" ADD COLUMN "disability_code" TEXT;
ALTER TABLE "students" ADD COLUMN "disability_type" TEXT;
ALTER TABLE "students" ADD COLUMN "home_language_code" TEXT;
