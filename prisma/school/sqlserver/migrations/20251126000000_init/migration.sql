BEGIN TRY

BEGIN TRAN;

-- CreateTable
CREATE TABLE [dbo].[students] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_id] NVARCHAR(64) NOT NULL,
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [clever_school_id] NVARCHAR(64) NOT NULL,
    [school_ids_json] NVARCHAR(max) NOT NULL,
    [first_name] NVARCHAR(max) NOT NULL,
    [middle_name] NVARCHAR(max),
    [last_name] NVARCHAR(max) NOT NULL,
    [email] NVARCHAR(max),
    [sis_id] NVARCHAR(max),
    [state_id] NVARCHAR(max),
    [district_username] NVARCHAR(max),
    [legacy_id] NVARCHAR(max),
    [ext_json] NVARCHAR(max),
    [clever_created] DATETIME2,
    [clever_last_modified] DATETIME2,
    [student_number] NVARCHAR(max),
    [grade] NVARCHAR(40),
    [dob] NVARCHAR(10),
    [gender] NVARCHAR(40),
    [hispanic_ethnicity] NVARCHAR(40),
    [race] NVARCHAR(max),
    [ell_status] NVARCHAR(40),
    [iep_status] NVARCHAR(40),
    [frl_status] NVARCHAR(40),
    [home_language] NVARCHAR(max),
    [graduation_year] NVARCHAR(40),
    [location_json] NVARCHAR(max),
    [enrollments_json] NVARCHAR(max),
    [content_hash] NVARCHAR(64) NOT NULL,
    [is_active] BIT NOT NULL CONSTRAINT [students_is_active_df] DEFAULT 1,
    [deactivated_at] DATETIME2,
    [first_seen_run_id] NVARCHAR(64),
    [last_seen_run_id] NVARCHAR(64),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [students_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [students_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [students_clever_id_key] UNIQUE NONCLUSTERED ([clever_id])
);

-- CreateTable
CREATE TABLE [dbo].[teachers] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_id] NVARCHAR(64) NOT NULL,
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [clever_school_id] NVARCHAR(64) NOT NULL,
    [school_ids_json] NVARCHAR(max) NOT NULL,
    [first_name] NVARCHAR(max) NOT NULL,
    [middle_name] NVARCHAR(max),
    [last_name] NVARCHAR(max) NOT NULL,
    [email] NVARCHAR(max),
    [sis_id] NVARCHAR(max),
    [state_id] NVARCHAR(max),
    [district_username] NVARCHAR(max),
    [legacy_id] NVARCHAR(max),
    [ext_json] NVARCHAR(max),
    [clever_created] DATETIME2,
    [clever_last_modified] DATETIME2,
    [teacher_number] NVARCHAR(max),
    [title] NVARCHAR(max),
    [content_hash] NVARCHAR(64) NOT NULL,
    [is_active] BIT NOT NULL CONSTRAINT [teachers_is_active_df] DEFAULT 1,
    [deactivated_at] DATETIME2,
    [first_seen_run_id] NVARCHAR(64),
    [last_seen_run_id] NVARCHAR(64),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [teachers_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [teachers_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [teachers_clever_id_key] UNIQUE NONCLUSTERED ([clever_id])
);

-- CreateIndex
CREATE NONCLUSTERED INDEX [students_is_active_last_seen_run_id_idx] ON [dbo].[students]([is_active], [last_seen_run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [students_is_active_deactivated_at_idx] ON [dbo].[students]([is_active], [deactivated_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [teachers_is_active_last_seen_run_id_idx] ON [dbo].[teachers]([is_active], [last_seen_run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [teachers_is_active_deactivated_at_idx] ON [dbo].[teachers]([is_active], [deactivated_at]);

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
