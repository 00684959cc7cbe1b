// The operators' workbook (docs/deployment.md, "Reading the workbook"): runs per day by status,
// duration and records per run, failing and held schools, districts, Clever rate-limit waits and
// incremental vs full syncs, all from the custom events the app sends to Application Insights:
//   CleverSyncRunCompleted  one per district of a run (runId, runStatus, status, districtId, dryRun,
//                           syncType; durationMs, processed, fullSchools, incrementalSchools, ...)
//   CleverSyncSchoolFailing / CleverSyncDistrictFailing / CleverSyncArchiveHeld  (src/sync/alerts.ts)
//   CleverRateLimitWait     (districtId, reason; waitMs)
// The queries live in workbook.json; test/deployment/workbook.test.ts checks each reads only
// events and properties src/ really emits.
param location string
param tags object
param namePrefix string
param appInsightsId string

// Opened without a resource picked, the workbook queries this Application Insights.
var linkedResource = {
  fallbackResourceIds: [
    appInsightsId
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'clever-sync-workbook', namePrefix)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'clever-sync (${namePrefix})'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: string(union(loadJsonContent('workbook.json'), linkedResource))
  }
}

output workbookId string = workbook.id
