BEGIN TRY

BEGIN TRAN;

-- Data API v3.1 student fields (preferred name, statuses, disability, home language code).
-- Nullable and without defaults: existing rows get NULL, and the next sync fills them.

-- AlterTable
ALTER TABLE [dbo].[students] ADD [preferred_first_name] NVARCHAR(max),
[preferred_middle_name] NVARCHAR(max),
[preferred_last_name] NVARCHAR(max),
[gifted_status] NVARCHAR(40),
[section504_status] NVARCHAR(40),
[disability_status] NVARCHAR(40),
[disability_code] NVARCHAR(40),
[disability_type] NVARCHAR(max),
[home_language_code] NVARCHAR(40);

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
