BEGIN TRY

BEGIN TRAN;

-- Class rosters (issue 17): sections, the courses and terms they reference, and the section
-- links (teachers, enrollments). New tables only: existing rows are untouched, and the next full
-- sync fills them. Ids of other Clever records are Clever ids, without foreign keys.

-- CreateTable
CREATE TABLE [dbo].[sections] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_id] NVARCHAR(64) NOT NULL,
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [clever_school_id] NVARCHAR(64) NOT NULL,
    [name] NVARCHAR(max) NOT NULL,
    [subject] NVARCHAR(max),
    [grade] NVARCHAR(max),
    [period] NVARCHAR(max),
    [section_number] NVARCHAR(max),
    [clever_course_id] NVARCHAR(64),
    [clever_term_id] NVARCHAR(64),
    [primary_teacher_clever_id] NVARCHAR(64),
    [sis_id] NVARCHAR(max),
    [lms_status_json] NVARCHAR(max),
    [ext_json] NVARCHAR(max),
    [clever_created] DATETIME2,
    [clever_last_modified] DATETIME2,
    [content_hash] NVARCHAR(64) NOT NULL,
    [is_active] BIT NOT NULL CONSTRAINT [sections_is_active_df] DEFAULT 1,
    [deactivated_at] DATETIME2,
    [first_seen_run_id] NVARCHAR(64),
    [last_seen_run_id] NVARCHAR(64),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [sections_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [sections_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [sections_clever_id_key] UNIQUE NONCLUSTERED ([clever_id])
);

-- CreateTable
CREATE TABLE [dbo].[courses] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_id] NVARCHAR(64) NOT NULL,
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [name] NVARCHAR(max) NOT NULL,
    [number] NVARCHAR(max),
    [content_hash] NVARCHAR(64) NOT NULL,
    [is_active] BIT NOT NULL CONSTRAINT [courses_is_active_df] DEFAULT 1,
    [deactivated_at] DATETIME2,
    [first_seen_run_id] NVARCHAR(64),
    [last_seen_run_id] NVARCHAR(64),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [courses_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [courses_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [courses_clever_id_key] UNIQUE NONCLUSTERED ([clever_id])
);

-- CreateTable
CREATE TABLE [dbo].[terms] (
    [id] INT NOT NULL IDENTITY(1,1),
    [clever_id] NVARCHAR(64) NOT NULL,
    [clever_district_id] NVARCHAR(64) NOT NULL,
    [name] NVARCHAR(max) NOT NULL,
    [start_date] NVARCHAR(10),
    [end_date] NVARCHAR(10),
    [content_hash] NVARCHAR(64) NOT NULL,
    [is_active] BIT NOT NULL CONSTRAINT [terms_is_active_df] DEFAULT 1,
    [deactivated_at] DATETIME2,
    [first_seen_run_id] NVARCHAR(64),
    [last_seen_run_id] NVARCHAR(64),
    [created_at] DATETIME2 NOT NULL CONSTRAINT [terms_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    [updated_at] DATETIME2 NOT NULL,
    CONSTRAINT [terms_pkey] PRIMARY KEY CLUSTERED ([id]),
    CONSTRAINT [terms_clever_id_key] UNIQUE NONCLUSTERED ([clever_id])
);

-- CreateTable
CREATE TABLE [dbo].[section_teachers] (
    [section_clever_id] NVARCHAR(64) NOT NULL,
    [teacher_clever_id] NVARCHAR(64) NOT NULL,
    [created_at] DATETIME2 NOT NULL CONSTRAINT [section_teachers_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT [section_teachers_pkey] PRIMARY KEY CLUSTERED ([section_clever_id],[teacher_clever_id])
);

-- CreateTable
CREATE TABLE [dbo].[section_students] (
    [section_clever_id] NVARCHAR(64) NOT NULL,
    [student_clever_id] NVARCHAR(64) NOT NULL,
    [created_at] DATETIME2 NOT NULL CONSTRAINT [section_students_created_at_df] DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT [section_students_pkey] PRIMARY KEY CLUSTERED ([section_clever_id],[student_clever_id])
);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sections_is_active_last_seen_run_id_idx] ON [dbo].[sections]([is_active], [last_seen_run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sections_is_active_deactivated_at_idx] ON [dbo].[sections]([is_active], [deactivated_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sections_clever_course_id_idx] ON [dbo].[sections]([clever_course_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sections_clever_term_id_idx] ON [dbo].[sections]([clever_term_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [sections_primary_teacher_clever_id_idx] ON [dbo].[sections]([primary_teacher_clever_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [courses_is_active_last_seen_run_id_idx] ON [dbo].[courses]([is_active], [last_seen_run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [courses_is_active_deactivated_at_idx] ON [dbo].[courses]([is_active], [deactivated_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [terms_is_active_last_seen_run_id_idx] ON [dbo].[terms]([is_active], [last_seen_run_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [terms_is_active_deactivated_at_idx] ON [dbo].[terms]([is_active], [deactivated_at]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [section_teachers_teacher_clever_id_idx] ON [dbo].[section_teachers]([teacher_clever_id]);

-- CreateIndex
CREATE NONCLUSTERED INDEX [section_students_student_clever_id_idx] ON [dbo].[section_students]([student_clever_id]);

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
