// Parameters of the staging environment. Tenant-specific ids come from the environment (the deploy
// workflow sets them from GitHub environment variables), so this file holds no ids or secrets.
using '../main.bicep'

param environmentName = 'staging'
param namePrefix = readEnvironmentVariable('CLEVER_SYNC_NAME_PREFIX', 'cleversync')
param sqlAdminGroupName = readEnvironmentVariable('SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SQL_ADMIN_GROUP_OBJECT_ID')
param deploymentPrincipalId = readEnvironmentVariable('DEPLOYMENT_PRINCIPAL_ID', '')
param alertEmailAddress = readEnvironmentVariable('ALERT_EMAIL_ADDRESS', '')

// Onboarding a school database: add its Clever school id, deploy, then run the migrations.
param schoolIds = []
