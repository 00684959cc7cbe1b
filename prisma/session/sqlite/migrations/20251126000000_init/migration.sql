-- CreateTable
CREATE TABLE "districts" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clever_district_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clever_state" TEXT,
    "clever_last_sync" DATETIME,
    "events_cursor" TEXT,
    "events_cursor_taken_at" DATETIME,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "schools" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "district_id" INTEGER NOT NULL,
    "clever_school_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "school_number" TEXT,
    "sis_id" TEXT,
    "state_id" TEXT,
    "nces_id" TEXT,
    "low_grade" TEXT,
    "high_grade" TEXT,
    "phone" TEXT,
    "principal_name" TEXT,
    "principal_email" TEXT,
    "location_json" TEXT,
    "clever_last_modified" DATETIME,
    "connection_secret_name" TEXT,
    "database_name" TEXT,
    "events_cursor" TEXT,
    "requires_full_sync" BOOLEAN NOT NULL DEFAULT true,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "archived_at" DATETIME,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_successful_sync_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "schools_district_id_fkey" FOREIGN KEY ("district_id") REFERENCES "districts" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "run_id" TEXT NOT NULL PRIMARY KEY,
    "scope" TEXT NOT NULL,
    "scope_id" INTEGER,
    "trigger" TEXT NOT NULL,
    "full" BOOLEAN NOT NULL DEFAULT false,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "started_at" DATETIME NOT NULL,
    "completed_at" DATETIME,
    "schools_total" INTEGER NOT NULL DEFAULT 0,
    "schools_completed" INTEGER NOT NULL DEFAULT 0,
    "schools_failed" INTEGER NOT NULL DEFAULT 0,
    "processed_count" INTEGER NOT NULL DEFAULT 0,
    "created_count" INTEGER NOT NULL DEFAULT 0,
    "updated_count" INTEGER NOT NULL DEFAULT 0,
    "archived_count" INTEGER NOT NULL DEFAULT 0,
    "restored_count" INTEGER NOT NULL DEFAULT 0,
    "failed_count" INTEGER NOT NULL DEFAULT 0,
    "invalid_count" INTEGER NOT NULL DEFAULT 0,
    "summary_json" TEXT,
    "error_summary" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "sync_history" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "run_id" TEXT NOT NULL,
    "district_id" INTEGER,
    "school_id" INTEGER,
    "entity" TEXT NOT NULL,
    "sync_type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "started_at" DATETIME NOT NULL,
    "completed_at" DATETIME,
    "processed_count" INTEGER NOT NULL DEFAULT 0,
    "created_count" INTEGER NOT NULL DEFAULT 0,
    "updated_count" INTEGER NOT NULL DEFAULT 0,
    "archived_count" INTEGER NOT NULL DEFAULT 0,
    "restored_count" INTEGER NOT NULL DEFAULT 0,
    "failed_count" INTEGER NOT NULL DEFAULT 0,
    "invalid_count" INTEGER NOT NULL DEFAULT 0,
    "last_sync_timestamp" DATETIME,
    "event_cursor" TEXT,
    "error_summary" TEXT,
    "warnings_json" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "leases" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "acquired_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "districts_clever_district_id_key" ON "districts"("clever_district_id");

-- CreateIndex
CREATE INDEX "districts_is_active_idx" ON "districts"("is_active");

-- CreateIndex
CREATE UNIQUE INDEX "schools_clever_school_id_key" ON "schools"("clever_school_id");

-- CreateIndex
CREATE INDEX "schools_district_id_idx" ON "schools"("district_id");

-- CreateIndex
CREATE INDEX "schools_is_active_idx" ON "schools"("is_active");

-- CreateIndex
CREATE INDEX "sync_runs_started_at_idx" ON "sync_runs"("started_at");

-- CreateIndex
CREATE INDEX "sync_runs_status_started_at_idx" ON "sync_runs"("status", "started_at");

-- CreateIndex
CREATE INDEX "sync_history_run_id_idx" ON "sync_history"("run_id");

-- CreateIndex
CREATE INDEX "sync_history_school_id_entity_started_at_idx" ON "sync_history"("school_id", "entity", "started_at");

-- CreateIndex
CREATE INDEX "sync_history_status_started_at_idx" ON "sync_history"("status", "started_at");
