-- Class rosters (issue 17): sections, the courses and terms they reference, and the section
-- links (teachers, enrollments). New tables only: existing rows are untouched, and the next full
-- sync fills them. Ids of other Clever records are Clever ids, without foreign keys.

-- CreateTable
CREATE TABLE "sections" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_id" TEXT NOT NULL,
    "clever_district_id" TEXT NOT NULL,
    "clever_school_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT,
    "grade" TEXT,
    "period" TEXT,
    "section_number" TEXT,
    "clever_course_id" TEXT,
    "clever_term_id" TEXT,
    "primary_teacher_clever_id" TEXT,
    "sis_id" TEXT,
    "lms_status_json" TEXT,
    "ext_json" TEXT,
    "clever_created" DATETIME,
    "clever_last_modified" DATETIME,
    "content_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" DATETIME,
    "first_seen_run_id" TEXT,
    "last_seen_run_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "courses" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_id" TEXT NOT NULL,
    "clever_district_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "number" TEXT,
    "content_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" DATETIME,
    "first_seen_run_id" TEXT,
    "last_seen_run_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "terms" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_id" TEXT NOT NULL,
    "clever_district_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "start_date" TEXT,
    "end_date" TEXT,
    "content_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" DATETIME,
    "first_seen_run_id" TEXT,
    "last_seen_run_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "section_teachers" (
    "section_clever_id" TEXT NOT NULL,
    "teacher_clever_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("section_clever_id", "teacher_clever_id")
);

-- CreateTable
CREATE TABLE "section_students" (
    "section_clever_id" TEXT NOT NULL,
    "student_clever_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("section_clever_id", "student_clever_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sections_clever_id_key" ON "sections"("clever_id");

-- CreateIndex
CREATE INDEX "sections_is_active_last_seen_run_id_idx" ON "sections"("is_active", "last_seen_run_id");

-- CreateIndex
CREATE INDEX "sections_is_active_deactivated_at_idx" ON "sections"("is_active", "deactivated_at");

-- CreateIndex
CREATE INDEX "sections_clever_course_id_idx" ON "sections"("clever_course_id");

-- CreateIndex
CREATE INDEX "sections_clever_term_id_idx" ON "sections"("clever_term_id");

-- CreateIndex
CREATE INDEX "sections_primary_teacher_clever_id_idx" ON "sections"("primary_teacher_clever_id");

-- CreateIndex
CREATE UNIQUE INDEX "courses_clever_id_key" ON "courses"("clever_id");

-- CreateIndex
CREATE INDEX "courses_is_active_last_seen_run_id_idx" ON "courses"("is_active", "last_seen_run_id");

-- CreateIndex
CREATE INDEX "courses_is_active_deactivated_at_idx" ON "courses"("is_active", "deactivated_at");

-- CreateIndex
CREATE UNIQUE INDEX "terms_clever_id_key" ON "terms"("clever_id");

-- CreateIndex
CREATE INDEX "terms_is_active_last_seen_run_id_idx" ON "terms"("is_active", "last_seen_run_id");

-- CreateIndex
CREATE INDEX "terms_is_active_deactivated_at_idx" ON "terms"("is_active", "deactivated_at");

-- CreateIndex
CREATE INDEX "section_teachers_teacher_clever_id_idx" ON "section_teachers"("teacher_clever_id");

-- CreateIndex
CREATE INDEX "section_students_student_clever_id_idx" ON "section_students"("student_clever_id");
