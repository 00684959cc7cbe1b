// Key Vault with Azure RBAC (no access policies). The app's identity gets Key Vault Secrets User in
// roles.bicep. Clever credentials are never written by a template: operators set them with
// `az keyvault secret set` (docs/deployment.md), so no secret value passes through a deployment.
// Audit events (who read which secret) go to Log Analytics for the credential-safety review.
param location string
param tags object
param name string
param skuName string
param workspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: skuName
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    // Flex Consumption without a virtual network reaches the vault over its public endpoint.
    publicNetworkAccess: 'Enabled'
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
