// clever-sync: everything one environment (staging or production) needs, in one resource group.
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p infra/parameters/<env>.bicepparam
// docs/deployment.md explains each resource, the first-time steps and the alerts.
targetScope = 'resourceGroup'

@description('Environment name; part of resource names and the App Configuration label the app reads.')
@allowed([
  'staging'
  'production'
])
param environmentName string

@description('Region of every resource (Flex Consumption must be available there).')
param location string = resourceGroup().location

@description('Lowercase letters and digits that start every resource name.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'cleversync'

@description('Function app name (globally unique).')
param functionAppName string = 'func-${namePrefix}-${environmentName}-${take(uniqueString(resourceGroup().id), 6)}'

@description('Flex Consumption plan name.')
param planName string = 'plan-${namePrefix}-${environmentName}'

@description('Storage account for the Functions host, the deployment package and the sync queues (globally unique, 3-24 lowercase letters and digits).')
@maxLength(24)
param storageAccountName string = take('st${namePrefix}${uniqueString(resourceGroup().id)}', 24)

@description('Key Vault name (globally unique, 3-24 characters).')
@maxLength(24)
param keyVaultName string = take('kv-${namePrefix}-${uniqueString(resourceGroup().id)}', 24)

@description('App Configuration store name (globally unique).')
param appConfigName string = 'appcs-${namePrefix}-${environmentName}-${take(uniqueString(resourceGroup().id), 6)}'

@description('Azure SQL logical server name (globally unique, lowercase).')
param sqlServerName string = 'sql-${namePrefix}-${environmentName}-${take(uniqueString(resourceGroup().id), 6)}'

@description('Log Analytics workspace name.')
param logAnalyticsName string = 'log-${namePrefix}-${environmentName}'

@description('Application Insights name.')
param appInsightsName string = 'appi-${namePrefix}-${environmentName}'

@description('Node.js major version of the Functions worker. Build the package with the same major.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Memory of one Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of Flex Consumption instances you allow. The template lowers it to what the databases can serve (see Capacity below and output CAPACITY).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Storage account SKU.')
param storageSkuName string = 'Standard_LRS'

@description('Key Vault SKU.')
@allowed([
  'standard'
  'premium'
])
param keyVaultSku string = 'standard'

@description('App Configuration SKU (free allows one store per subscription and no soft delete).')
@allowed([
  'free'
  'standard'
])
param appConfigSku string = 'standard'

@description('SessionDb SKU (districts, schools, sync history). Its worker limit caps the instances (Capacity below): S1 serves 45 instances at DATABASE_POOL_MAX 2.')
param sessionDatabaseSku object = {
  name: 'S1'
  tier: 'Standard'
}

@description('School databases the elastic pool is sized for (docs/deployment.md, Capacity). The pool holds at least this many, or as many as schoolIds lists.')
@minValue(1)
@maxValue(500)
param schoolCount int = 200

@description('eDTUs of the Standard elastic pool of the school databases, at least: the template raises it to the smallest size that holds the school databases.')
@allowed([
  50
  100
  200
  300
  400
  800
  1200
  1600
  2000
  2500
  3000
])
param elasticPoolEdtu int = 50

@description('DATABASE_POOL_MAX: connections one instance opens to one database (SessionDb, each school database). The capacity arithmetic multiplies it.')
@minValue(1)
@maxValue(10)
param databasePoolMax int = 2

@description('Capacity one school database may use inside the pool.')
param elasticPoolPerDatabaseSettings object = {
  minCapacity: 0
  maxCapacity: 20
}

@description('Log Analytics retention in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Display name of the Entra ID group that administers the SQL server (Entra-only authentication: no SQL passwords exist).')
param sqlAdminGroupName string

@description('Object id of that Entra ID group.')
param sqlAdminGroupObjectId string

@description('Object id of the deployment identity (GitHub OIDC). It may read the session-database-url secret (only that one) to run migrations. Empty = grant it yourself.')
param deploymentPrincipalId string = ''

@description('SessionDb database name.')
param sessionDatabaseName string = 'SessionDb'

@description('School databases are named <prefix><cleverSchoolId>.')
param schoolDatabaseNamePrefix string = 'school-'

@description('Clever school ids whose databases live in the elastic pool (onboarding a school = adding its id here).')
param schoolIds array = []

@description('Write the passwordless database URLs into Key Vault (session-database-url, school-database-url-<id>). Turn off to manage those secrets yourself.')
param manageDatabaseUrlSecrets bool = true

@description('`queued-run`: the timer and POST /api/sync record the run and enqueue it; the run queue trigger runs it inside an invocation the host tracks (work after an HTTP response is not tracked on Flex Consumption). `queue`: one Storage Queue message per school, so Azure spreads schools across instances. `in-process`: background work of the receiving instance, for local use (docs/scaling.md).')
@allowed([
  'queued-run'
  'queue'
  'in-process'
])
param syncDispatchMode string = 'queued-run'

@description('Storage queue of the queue mode (one message per school); its poison queue is created beside it.')
@minLength(3)
@maxLength(63)
param syncQueueName string = 'clever-sync-schools'

@description('Storage queue of whole runs (queued-run mode); its poison queue is created beside it.')
@minLength(3)
@maxLength(63)
param syncRunQueueName string = 'clever-sync-runs'

@description('NCRONTAB schedule of the nightly sync, in UTC (Flex Consumption runs on Linux: UTC only).')
param syncTimerSchedule string = '0 0 2 * * *'

@description('pino log level of the app.')
@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
])
param logLevel string = 'info'

@description('Email address the alerts go to; empty = alerts fire without notifications.')
param alertEmailAddress string = ''

@description('Clever rate-limit waits in 15 minutes above which the rate-limit alert fires.')
param rateLimitWaitThreshold int = 50

@description('Tags on every resource.')
param tags object = {
  app: 'clever-sync'
  environment: environmentName
}

// ---------- Capacity (docs/deployment.md, "Capacity") ----------
// Azure SQL limits, from learn.microsoft.com/azure/azure-sql/database/resource-limits-dtu-elastic-pools
// (Standard pools: databases and concurrent workers per pool; 30,000 sessions at every size) and
// resource-limits-dtu-single-databases (concurrent workers of the SessionDb's service objective).
var standardPoolLimits = {
  '50': { maxDatabases: 100, maxWorkers: 100 }
  '100': { maxDatabases: 200, maxWorkers: 200 }
  '200': { maxDatabases: 500, maxWorkers: 400 }
  '300': { maxDatabases: 500, maxWorkers: 600 }
  '400': { maxDatabases: 500, maxWorkers: 800 }
  '800': { maxDatabases: 500, maxWorkers: 1600 }
  '1200': { maxDatabases: 500, maxWorkers: 2400 }
  '1600': { maxDatabases: 500, maxWorkers: 3200 }
  '2000': { maxDatabases: 500, maxWorkers: 4000 }
  '2500': { maxDatabases: 500, maxWorkers: 5000 }
  '3000': { maxDatabases: 500, maxWorkers: 6000 }
}
var singleDatabaseWorkers = {
  Basic: 30
  S0: 60
  S1: 90
  S2: 120
  S3: 200
  S4: 400
  S6: 800
  S7: 1600
  S9: 3200
  S12: 6000
  P1: 200
  P2: 400
  P4: 800
  P6: 1600
  P11: 2800
  P15: 6400
}
var schoolDatabases = max(schoolCount, length(schoolIds))
// The smallest Standard pool that holds them (100 databases at 50 eDTU, 200 at 100, 500 from 200).
var poolEdtu = max(elasticPoolEdtu, schoolDatabases <= 100 ? 50 : (schoolDatabases <= 200 ? 100 : 200))
var poolLimits = standardPoolLimits[string(poolEdtu)]
var sessionDatabaseWorkers = singleDatabaseWorkers[sessionDatabaseSku.name]
// Per instance, the queue trigger works on host.json batchSize messages at once; a school message
// syncs one school through one pool of databasePoolMax connections to its database.
var queueBatchSize = loadJsonContent('../host.json').extensions.queues.batchSize
var poolWorkersPerInstance = queueBatchSize * databasePoolMax
// Instances x batchSize x connections stays within the pool's workers, and instances x connections
// within the SessionDb's (every instance keeps one SessionDb pool).
var poolInstances = poolLimits.maxWorkers / poolWorkersPerInstance
var sessionDatabaseInstances = sessionDatabaseWorkers / databasePoolMax
var functionInstances = min(maximumInstanceCount, poolInstances, sessionDatabaseInstances)

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: logAnalyticsName
    appInsightsName: appInsightsName
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: storageAccountName
    skuName: storageSkuName
    syncQueueName: syncQueueName
    syncRunQueueName: syncRunQueueName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    location: location
    tags: tags
    name: keyVaultName
    skuName: keyVaultSku
    workspaceId: monitoring.outputs.workspaceId
  }
}

module appConfig 'modules/appconfig.bicep' = {
  name: 'appConfig'
  params: {
    location: location
    tags: tags
    name: appConfigName
    skuName: appConfigSku
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  params: {
    location: location
    tags: tags
    serverName: sqlServerName
    adminGroupName: sqlAdminGroupName
    adminGroupObjectId: sqlAdminGroupObjectId
    sessionDatabaseName: sessionDatabaseName
    sessionDatabaseSku: sessionDatabaseSku
    elasticPoolEdtu: poolEdtu
    elasticPoolPerDatabaseSettings: elasticPoolPerDatabaseSettings
    schoolIds: schoolIds
    schoolDatabaseNamePrefix: schoolDatabaseNamePrefix
    keyVaultName: keyVault.outputs.name
    manageDatabaseUrlSecrets: manageDatabaseUrlSecrets
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionApp'
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: planName
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: functionInstances
    databasePoolMax: databasePoolMax
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
    appConfigEndpoint: appConfig.outputs.endpoint
    appConfigLabel: environmentName
    schoolDatabaseUrlTemplate: sql.outputs.schoolDatabaseUrlTemplate
    syncTimerSchedule: syncTimerSchedule
    syncDispatchMode: syncDispatchMode
    syncQueueName: storage.outputs.syncQueueName
    syncRunQueueName: storage.outputs.syncRunQueueName
    logLevel: logLevel
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    appPrincipalId: functionApp.outputs.principalId
    deploymentPrincipalId: deploymentPrincipalId
    manageDatabaseUrlSecrets: manageDatabaseUrlSecrets
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appConfigName: appConfig.outputs.name
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    namePrefix: '${namePrefix}-${environmentName}'
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmailAddress: alertEmailAddress
    rateLimitWaitThreshold: rateLimitWaitThreshold
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    location: location
    tags: tags
    namePrefix: '${namePrefix}-${environmentName}'
    appInsightsId: monitoring.outputs.appInsightsId
  }
}

// Named like the GitHub environment variables deploy.yml reads, so setup is copy and paste.
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTIONAPP_NAME string = functionApp.outputs.name
output AZURE_FUNCTIONAPP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_SQL_SERVER_NAME string = sql.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output FUNCTION_APP_PRINCIPAL_ID string = functionApp.outputs.principalId
output KEY_VAULT_URL string = keyVault.outputs.uri
output APP_CONFIG_ENDPOINT string = appConfig.outputs.endpoint
output SESSION_DATABASE_NAME string = sessionDatabaseName
// What the capacity arithmetic decided (docs/deployment.md, Capacity).
output CAPACITY object = {
  schoolDatabases: schoolDatabases
  elasticPoolEdtu: poolEdtu
  poolMaxDatabases: poolLimits.maxDatabases
  poolMaxWorkers: poolLimits.maxWorkers
  sessionDatabaseMaxWorkers: sessionDatabaseWorkers
  queueBatchSize: queueBatchSize
  databasePoolMax: databasePoolMax
  maximumInstanceCount: functionInstances
  peakPoolWorkers: functionInstances * poolWorkersPerInstance
  peakSessionDatabaseWorkers: functionInstances * databasePoolMax
}
