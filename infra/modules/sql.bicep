// Azure SQL logical server with Entra ID-only authentication (no SQL logins, so no database
// password exists anywhere), the SessionDb, and an elastic pool holding one database per school.
// The app connects as its managed identity: the database URLs carry
// `authentication=DefaultAzureCredential` and no credentials, which is why this template can
// write them into Key Vault under the documented names.
param location string
param tags object
param serverName string
param adminGroupName string
param adminGroupObjectId string
param sessionDatabaseName string
param sessionDatabaseSku object
@description('eDTUs of the Standard pool (main.bicep sizes it for the school databases).')
param elasticPoolEdtu int
param elasticPoolPerDatabaseSettings object
param schoolIds array
param schoolDatabaseNamePrefix string
param keyVaultName string
param manageDatabaseUrlSecrets bool

var serverHost = '${serverName}${environment().suffixes.sqlServerHostname}'
var urlOptions = 'encrypt=true;trustServerCertificate=false;authentication=DefaultAzureCredential'
var sessionDatabaseUrl = 'sqlserver://${serverHost}:1433;database=${sessionDatabaseName};${urlOptions}'
// `{schoolId}` is filled in by the app (SCHOOL_DATABASE_URL_TEMPLATE).
var schoolDatabaseUrlTemplate = 'sqlserver://${serverHost}:1433;database=${schoolDatabaseNamePrefix}{schoolId};${urlOptions}'

resource server 'Microsoft.Sql/servers@2021-11-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminGroupName
      sid: adminGroupObjectId
      tenantId: subscription().tenantId
      principalType: 'Group'
    }
  }
}

// Flex Consumption without a virtual network has no fixed outbound addresses: allow Azure
// services (0.0.0.0). Authentication is Entra-only, so this opens no password path.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2021-11-01' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource sessionDatabase 'Microsoft.Sql/servers/databases@2021-11-01' = {
  parent: server
  name: sessionDatabaseName
  location: location
  tags: tags
  sku: sessionDatabaseSku
  properties: {
    collation: 'SQL_Latin1_General_CP1_CI_AS'
  }
}

resource schoolPool 'Microsoft.Sql/servers/elasticPools@2021-11-01' = {
  parent: server
  name: 'schools'
  location: location
  tags: tags
  sku: {
    name: 'StandardPool'
    tier: 'Standard'
    capacity: elasticPoolEdtu
  }
  properties: {
    perDatabaseSettings: elasticPoolPerDatabaseSettings
  }
}

resource schoolDatabases 'Microsoft.Sql/servers/databases@2021-11-01' = [
  for schoolId in schoolIds: {
    parent: server
    name: '${schoolDatabaseNamePrefix}${schoolId}'
    location: location
    tags: tags
    properties: {
      elasticPoolId: schoolPool.id
      collation: 'SQL_Latin1_General_CP1_CI_AS'
    }
  }
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource sessionDatabaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (manageDatabaseUrlSecrets) {
  parent: vault
  name: 'session-database-url'
  properties: {
    value: sessionDatabaseUrl
    contentType: 'text/plain; passwordless (managed identity)'
  }
}

resource schoolDatabaseUrlSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for schoolId in schoolIds: if (manageDatabaseUrlSecrets) {
    parent: vault
    name: 'school-database-url-${schoolId}'
    properties: {
      value: replace(schoolDatabaseUrlTemplate, '{schoolId}', schoolId)
      contentType: 'text/plain; passwordless (managed identity)'
    }
  }
]

output name string = server.name
output serverHost string = serverHost
output schoolDatabaseUrlTemplate string = schoolDatabaseUrlTemplate
