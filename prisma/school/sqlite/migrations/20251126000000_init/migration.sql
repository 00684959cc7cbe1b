-- CreateTable
CREATE TABLE "students" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_id" TEXT NOT NULL,
    "clever_district_id" TEXT NOT NULL,
    "clever_school_id" TEXT NOT NULL,
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
    "clever_created" DATETIME,
    "clever_last_modified" DATETIME,
    "student_number" TEXT,
    "grade" TEXT,
    "dob" TEXT,
    "gender" TEXT,
    "hispanic_ethnicity" TEXT,
    "race" TEXT,
    "ell_status" TEXT,
    "iep_status" TEXT,
    "frl_status" TEXT,
    "home_language" TEXT,
    "graduation_year" TEXT,
    "location_json" TEXT,
    "enrollments_json" TEXT,
    "content_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" DATETIME,
    "first_seen_run_id" TEXT,
    "last_seen_run_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "teachers" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_id" TEXT NOT NULL,
    "clever_district_id" TEXT NOT NULL,
    "clever_school_id" TEXT NOT NULL,
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
    "clever_created" DATETIME,
    "clever_last_modified" DATETIME,
    "teacher_number" TEXT,
    "title" TEXT,
    "content_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "deactivated_at" DATETIME,
    "first_seen_run_id" TEXT,
    "last_seen_run_id" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
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
