-- Data API v3.1 student fields (preferred name, statuses, disability, home language code).
-- Nullable and without defaults: existing rows get NULL, and the next sync fills them.

-- AlterTable
ALTER TABLE "students" ADD COLUMN     "preferred_first_name" TEXT,
ADD COLUMN     "preferred_middle_name" TEXT,
ADD COLUMN     "preferred_last_name" TEXT,
ADD COLUMN     "gifted_status" VARCHAR(40),
ADD COLUMN     "section504_status" VARCHAR(40),
ADD COLUMN     "disability_status" VARCHAR(40),
ADD COLUMN     "disability_code" VARCHAR(40),
ADD COLUMN     "disability_type" TEXT,
ADD COLUMN     "home_language_code" VARCHAR(40);
