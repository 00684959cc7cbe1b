// The Function App on Flex Consumption (Linux, Node.js) with a system-assigned identity, and the
// app settings clever-sync reads (src/config/settings.ts). Secrets are Key Vault references,
// resolved by the platform with the app's identity; the rest are plain values. Every other
// setting keeps its default or comes from App Configuration (docs/deployment.md lists them all).
param location string
param tags object
param name string
param planName string
param nodeVersion string
param instanceMemoryMB int
param maximumInstanceCount int
param databasePoolMax int
param storageAccountName string
param deploymentContainerName string
param appInsightsName string
param keyVaultName string
param appConfigEndpoint string
param appConfigLabel string
param schoolDatabaseUrlTemplate string
param syncTimerSchedule string
param syncDispatchMode string
param syncQueueName string
param syncRunQueueName string
param logLevel string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // Functions host storage through the identity (the account has shared keys turned off).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        // The queued modes send their run and school messages here, with the same identity.
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: storage.properties.primaryEndpoints.queue
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'KEY_VAULT_URL'
          value: vault.properties.vaultUri
        }
        {
          name: 'AZURE_CREDENTIAL_KIND'
          value: 'managed-identity'
        }
        {
          name: 'APP_CONFIG_ENDPOINT'
          value: appConfigEndpoint
        }
        {
          name: 'APP_CONFIG_LABEL'
          value: appConfigLabel
        }
        {
          name: 'CLEVER_CLIENT_ID'
          value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=clever-client-id)'
        }
        {
          name: 'CLEVER_CLIENT_SECRET'
          value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=clever-client-secret)'
        }
        {
          name: 'SESSION_DATABASE_URL'
          value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=session-database-url)'
        }
        // Passwordless (managed identity); a school-database-url-<id> secret, when present, wins.
        {
          name: 'SCHOOL_DATABASE_URL_TEMPLATE'
          value: schoolDatabaseUrlTemplate
        }
        {
          name: 'SYNC_TIMER_SCHEDULE'
          value: syncTimerSchedule
        }
        {
          name: 'SYNC_DISPATCH_MODE'
          value: syncDispatchMode
        }
        // The queues storage.bicep creates (with their poison queues), read at function registration.
        {
          name: 'SYNC_QUEUE_NAME'
          value: syncQueueName
        }
        {
          name: 'SYNC_RUN_QUEUE_NAME'
          value: syncRunQueueName
        }
        {
          name: 'LOG_LEVEL'
          value: logLevel
        }
        // Connections per database and instance: main.bicep's capacity arithmetic counts with it.
        {
          name: 'DATABASE_POOL_MAX'
          value: string(databasePoolMax)
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Deployments go through Entra ID (azure/login + Azure/functions-action), never publishing
// profiles: basic-auth publishing credentials are off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = site.name
output principalId string = site.identity.principalId
output defaultHostName string = site.properties.defaultHostName
