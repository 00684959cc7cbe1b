-- Class rosters (issue 17): sections, the courses and terms they reference, and the section
-- links (teachers, enrollments). New tables only: existing rows are untouched, and the next full
-- sync fills them. Ids of other Clever records are Clever ids, without foreign keys.

-- CreateTable
CREATE TABLE "sections" (
    "id" SERIAL NOT NULL,
    "clever_id" VARCHAR(64) NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "clever_school_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT,
    "grade" TEXT,
    "period" TEXT,
    "section_number" TEXT,
    "clever_course_id" VARCHAR(64),
    "clever_term_id" VARCHAR(64),
    "primary_teacher_clever_id" VARCHAR(64),
    "sis_id" TEXT,
    "lms_status_json" TEXT,
    "ext_json" TEXT,
    "clever_created" TIMESTAMP(3),
    "clever_last_modified" TIMESTAMP(3),
    "content_hash" VARCHAR(64) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" TIMESTAMP(3),
    "first_seen_run_id" VARCHAR(64),
    "last_seen_run_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "sections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "courses" (
    "id" SERIAL NOT NULL,
    "clever_id" VARCHAR(64) NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "number" TEXT,
    "content_hash" VARCHAR(64) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" TIMESTAMP(3),
    "first_seen_run_id" VARCHAR(64),
    "last_seen_run_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "courses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "terms" (
    "id" SERIAL NOT NULL,
    "clever_id" VARCHAR(64) NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "start_date" VARCHAR(10),
    "end_date" VARCHAR(10),
    "content_hash" VARCHAR(64) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" TIMESTAMP(3),
    "first_seen_run_id" VARCHAR(64),
    "last_seen_run_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "terms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "section_teachers" (
    "section_clever_id" VARCHAR(64) NOT NULL,
    "teacher_clever_id" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "section_teachers_pkey" PRIMARY KEY ("section_clever_id","teacher_clever_id")
);

-- CreateTable
CREATE TABLE "section_students" (
    "section_clever_id" VARCHAR(64) NOT NULL,
    "student_clever_id" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "section_students_pkey" PRIMARY KEY ("section_clever_id","student_clever_id")
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
