BEGIN TRY

BEGIN TRAN;

-- CreateTable
CREATE TABLE [dbo].[districts] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [name] NVARCHAR(max) NOT NULL,
    [clever_state] NVARCHAR(40),
    [clever_last_sync] DATETIME2,
    [events_cursor] NVARCHAR(64),
    [events_cursor_taken_at] DATETIME2,
    [is_active] BIT NOT NULL CONSTRAINT [districts_is_active_df] DEFAULT 1,
    [created_at] DATETIME2 NOT NULL CONSTRAINT [districts_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [districts_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [districts_clever_district_id_key] UNIQUE NONCLUSTERED ([clever_district_id])
);

-- CreateTable
CREATE TABLE [dbo].[schools] (
    [id] INT NOT NULL IDENTITY(1,1),
    [district_id] INT NOT NULL,
    [clever_school_id] NVARCHAR(64) NOT NULL,
    [name] NVARCHAR(max) NOT NULL,
    [school_number] NVARCHAR(max),
    [sis_id] NVARCHAR(max),
    [state_id] NVARCHAR(max),
    [nces_id] NVARCHAR(max),
    [low_grade] NVARCHAR(40),
    [high_grade] NVARCHAR(40),
    [phone] NVARCHAR(max),
    [principal_name] NVARCHAR(max),
    [principal_email] NVARCHAR(max),
    [location_json] NVARCHAR(max),
    [clever_last_modified] DATETIME2,
    [connection_secret_name] NVARCHAR(127),
    [database_name] NVARCHAR(128),
    [events_cursor] NVARCHAR(64),
    [requires_full_sync] BIT NOT NULL CONSTRAINT [schools_requires_full_sync_df] DEFAULT 1,
    [is_active] BIT NOT NULL CONSTRAINT [schools_is_active_df] DEFAULT 1,
    [archived_at] DATETIME2,
    [consecutive_failures] INT NOT NULL CONSTRAINT [schools_consecutive_failures_df] DEFAULT 0,
    [last_successful_sync_at] DATETIME2,
    [created_at] DATETIME2 NOT NULL CONSTRAINT [schools_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [schools_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [schools_clever_school_id_key] UNIQUE NONCLUSTERED ([clever_school_id])
);

-- CreateTable
CREATE TABLE [dbo].[sync_runs] (
    [run_id] NVARCHAR(64) NOT NULL,
    [scope] NVARCHAR(40) NOT NULL,
    [scope_id] INT,
    [trigger] NVARCHAR(40) NOT NULL,
    [full] BIT NOT NULL CONSTRAINT [sync_runs_full_df] DEFAULT 0,
    [dry_run] BIT NOT NULL CONSTRAINT [sync_runs_dry_run_df] DEFAULT 0,
    [status] NVARCHAR(40) NOT NULL,
    [started_at] DATETIME2 NOT NULL,
    [completed_at] DATETIME2,
    [schools_total] INT NOT NULL CONSTRAINT [sync_runs_schools_total_df] DEFAULT 0,
    [schools_completed] INT NOT NULL CONSTRAINT [sync_runs_schools_completed_df] DEFAULT 0,
    [schools_failed] INT NOT NULL CONSTRAINT [sync_runs_schools_failed_df] DEFAULT 0,
    [processed_count] INT NOT NULL CONSTRAINT [sync_runs_processed_count_df] DEFAULT 0,
    [created_count] INT NOT NULL CONSTRAINT [sync_runs_created_count_df] DEFAULT 0,
    [updated_count] INT NOT NULL CONSTRAINT [sync_runs_updated_count_df] DEFAULT 0,
    [archived_count] INT NOT NULL CONSTRAINT [sync_runs_archived_count_df] DEFAULT 0,
    [restored_count] INT NOT NULL CONSTRAINT [sync_runs_restored_count_df] DEFAULT 0,
    [failed_count] INT NOT NULL CONSTRAINT [sync_runs_failed_count_df] DEFAULT 0,
    [invalid_count] INT NOT NULL CONSTRAINT [sync_runs_invalid_count_df] DEFAULT 0,
    [summary_json] NVARCHAR(max),
    [error_summary] NVARCHAR(max),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [sync_runs_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [sync_runs_pkey] PRIMARY KEY CLUSTERED ([run_id])
);

-- CreateTable
CREATE TABLE [dbo].[sync_history] (
    [id] INT NOT NULL IDENTITY(1,1),
    [run_id] NVARCHAR(64) NOT NULL,
    [district_id] INT,
    [school_id] INT,
    [entity] NVARCHAR(40) NOT NULL,
    [sync_type] NVARCHAR(40) NOT NULL,
    [status] NVARCHAR(40) NOT NULL,
    [trigger] NVARCHAR(40) NOT NULL,
    [started_at] DATETIME2 NOT NULL,
    [completed_at] DATETIME2,
    [processed_count] INT NOT NULL CONSTRAINT [sync_history_processed_count_df] DEFAULT 0,
    [created_count] INT NOT NULL CONSTRAINT [sync_history_created_count_df] DEFAULT 0,
    [updated_count] INT NOT NULL CONSTRAINT [sync_history_updated_count_df] DEFAULT 0,
    [archived_count] INT NOT NULL CONSTRAINT [sync_history_archived_count_df] DEFAULT 0,
    [restored_count] INT NOT NULL CONSTRAINT [sync_history_restored_count_df] DEFAULT 0,
    [failed_count] INT NOT NULL CONSTRAINT [sync_history_failed_count_df] DEFAULT 0,
    [invalid_count] INT NOT NULL CONSTRAINT [sync_history_invalid_count_df] DEFAULT 0,
    [last_sync_timestamp] DATETIME2,
    [event_cursor] NVARCHAR(64),
    [error_summary] NVARCHAR(max),
    [warnings_json] NVARCHAR(max),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [sync_history_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [sync_history_pkey] PRIMARY KEY CLUSTERED ([id])
);

-- CreateTable
CREATE TABLE [dbo].[leases] (
    [key] NVARCHAR(200) NOT NULL,
    [holder] NVARCHAR(200) NOT NULL,
    [expires_at] DATETIME2 NOT NULL,
    [acquired_at] DATETIME2 NOT NULL,
    [created_at] DATETIME2 NOT NULL CONSTRAINT [leases_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [leases_pkey] PRIMARY KEY CLUSTERED ([key])
);

-- CreateIndex
CREATE NONCLUSTERED INDEX [districts_is_active_idx] ON [dbo].[districts]([is_active]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [schools_district_id_idx] ON [dbo].[schools]([district_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [schools_is_active_idx] ON [dbo].[schools]([is_active]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sync_runs_started_at_idx] ON [dbo].[sync_runs]([started_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sync_runs_status_started_at_idx] ON [dbo].[sync_runs]([status], [started_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sync_history_run_id_idx] ON [dbo].[sync_history]([run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sync_history_school_id_entity_started_at_idx] ON [dbo].[sync_history]([school_id], [entity], [started_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sync_history_status_started_at_idx] ON [dbo].[sync_history]([status], [started_at]);

-- AddForeignKey
ALTER TABLE [dbo].[schools] ADD CONSTRAINT [schools_district_id_fkey] FOREIGN KEY ([district_id]) REFERENCES [dbo].[districts]([id]) ON DELETE NO ACTION ON UPDATE NO ACTION;

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
