// Log Analytics + workspace-based Application Insights. The app's telemetry (custom events
// CleverSyncRunCompleted, CleverSyncSchoolFailing, CleverRateLimitWait; requests; traces) lands
// here, and the alert rules in alerts.bicep and the workbook in workbook.bicep query it.
param location string
param tags object
param logAnalyticsName string
param appInsightsName string
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

output workspaceId string = workspace.id
output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
