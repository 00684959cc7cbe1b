// Parameters of the production environment. Tenant-specific ids come from the environment (the deploy
// workflow sets them from GitHub environment variables), so this file holds no ids or secrets.
using '../main.bicep'

param environmentName = 'production'
param namePrefix = readEnvironmentVariable('CLEVER_SYNC_NAME_PREFIX', 'cleversync')
param sqlAdminGroupName = readEnvironmentVariable('SQL_ADMIN_GROUP_NAME')
param sqlAdminGroupObjectId = readEnvironmentVariable('SQL_ADMIN_GROUP_OBJECT_ID')
param deploymentPrincipalId = readEnvironmentVariable('DEPLOYMENT_PRINCIPAL_ID', '')
param alertEmailAddress = readEnvironmentVariable('ALERT_EMAIL_ADDRESS', '')

// Onboarding a school database: add its Clever school id, deploy, then run the migrations.
param schoolIds = []

// Production keeps logs longer and allows more instances for the scale-out mode; the template's
// capacity arithmetic lowers this to what the databases serve (45 with the defaults: output CAPACITY).
param logRetentionDays = 90
param maximumInstanceCount = 100
