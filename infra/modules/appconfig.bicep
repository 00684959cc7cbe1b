// App Configuration: non-secret settings operators tune without a redeploy (the app reads it when
// APP_CONFIG_ENDPOINT is set; environment values win). Access keys are off: the app's identity
// reads with App Configuration Data Reader (roles.bicep).
param location string
param tags object
param name string
param skuName string

resource store 'Microsoft.AppConfiguration/configurationStores@2023-03-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = store.name
output endpoint string = store.properties.endpoint
