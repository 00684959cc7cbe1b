-- CreateTable
CREATE TABLE "students" (
    "id" SERIAL NOT NULL,
    "clever_id" VARCHAR(64) NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "clever_school_id" VARCHAR(64) NOT NULL,
    "school_ids_json" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "middle_name" TEXT,
    "last_name" TEXT NOT NULL,
    "email" TEXT,
    "sis_id" TEXT,
    "state_id" TEXT,
    "district_username" TEXT,
    "legacy_id" TEXT,
    "ext_json" TEXT,
    "clever_created" TIMESTAMP(3),
    "clever_last_modified" TIMESTAMP(3),
    "student_number" TEXT,
    "grade" VARCHAR(40),
    "dob" VARCHAR(10),
    "gender" VARCHAR(40),
    "hispanic_ethnicity" VARCHAR(40),
    "race" TEXT,
    "ell_status" VARCHAR(40),
    "iep_status" VARCHAR(40),
    "frl_status" VARCHAR(40),
    "home_language" TEXT,
    "graduation_year" VARCHAR(40),
    "location_json" TEXT,
    "enrollments_json" TEXT,
    "content_hash" VARCHAR(64) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" TIMESTAMP(3),
    "first_seen_run_id" VARCHAR(64),
    "last_seen_run_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "students_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "teachers" (
    "id" SERIAL NOT NULL,
    "clever_id" VARCHAR(64) NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "clever_school_id" VARCHAR(64) NOT NULL,
    "school_ids_json" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "middle_name" TEXT,
    "last_name" TEXT NOT NULL,
    "email" TEXT,
    "sis_id" TEXT,
    "state_id" TEXT,
    "district_username" TEXT,
    "legacy_id" TEXT,
    "ext_json" TEXT,
    "clever_created" TIMESTAMP(3),
    "clever_last_modified" TIMESTAMP(3),
    "teacher_number" TEXT,
    "title" TEXT,
    "content_hash" VARCHAR(64) NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" TIMESTAMP(3),
    "first_seen_run_id" VARCHAR(64),
    "last_seen_run_id" VARCHAR(64),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "teachers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "students_clever_id_key" ON "students"("clever_id");

-- CreateIndex
CREATE INDEX "students_is_active_last_seen_run_id_idx" ON "students"("is_active", "last_seen_run_id");

-- CreateIndex
CREATE INDEX "students_is_active_deactivated_at_idx" ON "students"("is_active", "deactivated_at");

-- CreateIndex
CREATE UNIQUE INDEX "teachers_clever_id_key" ON "teachers"("clever_id");

-- CreateIndex
CREATE INDEX "teachers_is_active_last_seen_run_id_idx" ON "teachers"("is_active", "last_seen_run_id");

-- CreateIndex
CREATE INDEX "teachers_is_active_deactivated_at_idx" ON "teachers"("is_active", "deactivated_at");
