-- CreateTable
CREATE TABLE "districts" (
    "id" SERIAL NOT NULL,
    "clever_district_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "clever_state" VARCHAR(40),
    "clever_last_sync" TIMESTAMP(3),
    "events_cursor" VARCHAR(64),
    "events_cursor_taken_at" TIMESTAMP(3),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "districts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schools" (
    "id" SERIAL NOT NULL,
    "district_id" INTEGER NOT NULL,
    "clever_school_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "school_number" TEXT,
    "sis_id" TEXT,
    "state_id" TEXT,
    "nces_id" TEXT,
    "low_grade" VARCHAR(40),
    "high_grade" VARCHAR(40),
    "phone" TEXT,
    "principal_name" TEXT,
    "principal_email" TEXT,
    "location_json" TEXT,
    "clever_last_modified" TIMESTAMP(3),
    "connection_secret_name" VARCHAR(127),
    "database_name" VARCHAR(128),
    "events_cursor" VARCHAR(64),
    "requires_full_sync" BOOLEAN NOT NULL DEFAULT true,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "archived_at" TIMESTAMP(3),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_successful_sync_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "schools_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "run_id" VARCHAR(64) NOT NULL,
    "scope" VARCHAR(40) NOT NULL,
    "scope_id" INTEGER,
    "trigger" VARCHAR(40) NOT NULL,
    "full" BOOLEAN NOT NULL DEFAULT false,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "status" VARCHAR(40) NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),
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
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("run_id")
);

-- CreateTable
CREATE TABLE "sync_history" (
    "id" SERIAL NOT NULL,
    "run_id" VARCHAR(64) NOT NULL,
    "district_id" INTEGER,
    "school_id" INTEGER,
    "entity" VARCHAR(40) NOT NULL,
    "sync_type" VARCHAR(40) NOT NULL,
    "status" VARCHAR(40) NOT NULL,
    "trigger" VARCHAR(40) NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),
    "processed_count" INTEGER NOT NULL DEFAULT 0,
    "created_count" INTEGER NOT NULL DEFAULT 0,
    "updated_count" INTEGER NOT NULL DEFAULT 0,
    "archived_count" INTEGER NOT NULL DEFAULT 0,
    "restored_count" INTEGER NOT NULL DEFAULT 0,
    "failed_count" INTEGER NOT NULL DEFAULT 0,
    "invalid_count" INTEGER NOT NULL DEFAULT 0,
    "last_sync_timestamp" TIMESTAMP(3),
    "event_cursor" VARCHAR(64),
    "error_summary" TEXT,
    "warnings_json" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "sync_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "leases" (
    "key" VARCHAR(200) NOT NULL,
    "holder" VARCHAR(200) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "acquired_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "leases_pkey" PRIMARY KEY ("key")
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

-- AddForeignKey
ALTER TABLE "schools" ADD CONSTRAINT "schools_district_id_fkey" FOREIGN KEY ("district_id") REFERENCES "districts"("id") ON DELETE NO ACTION ON UPDATE NO ACTION;
