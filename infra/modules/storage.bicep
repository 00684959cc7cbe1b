// Storage for the Functions host (identity-based: shared keys are off), the Flex Consumption
// deployment package, and the queues of the queued modes (runs; schools) with their poison queues.
param location string
param tags object
param name string
param skuName string
param syncQueueName string
param syncRunQueueName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// Flex Consumption reads the app package from here (Azure/functions-action uploads it).
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'app-package'
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource syncQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: syncQueueName
}

// The Functions host moves a message here after host.json's maxDequeueCount attempts; creating
// it up front lets operators watch it before the first failure.
resource syncPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${syncQueueName}-poison'
}

// queued-run mode: one message per run (src/functions/sync-run-queue.ts).
resource syncRunQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: syncRunQueueName
}

resource syncRunPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${syncRunQueueName}-poison'
}

output name string = account.name
output deploymentContainerName string = deploymentContainer.name
output syncQueueName string = syncQueue.name
output syncPoisonQueueName string = syncPoisonQueue.name
output syncRunQueueName string = syncRunQueue.name
output syncRunPoisonQueueName string = syncRunPoisonQueue.name
