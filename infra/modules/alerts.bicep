// The six alert rules of docs/deployment.md ("Reading the alerts"), as log search alerts on
// Application Insights. They read the telemetry the app emits:
//   customEvents  CleverSyncSchoolFailing  a school failed 3+ times in a row
//                 (dimensions runId, districtId, schoolId, cleverSchoolId; measurement consecutiveFailures)
//   customEvents  CleverSyncDistrictFailing  a district failed 3+ runs in a row before its schools
//                 (dimensions runId, districtId, cleverDistrictId; measurement consecutiveFailures)
//   customEvents  CleverSyncRunCompleted   a run ended (dimensions status, runId, districtId, schoolId)
//   customEvents / customMetrics  CleverRateLimitWait  the Clever client waited for the rate limit
//   customEvents  CleverAuthHealthChanged  the background health check changed status (from, to, errorCode)
//   requests      GET /health/clever-auth (or the earlier /api/health/clever-auth) answered 503
param location string
param tags object
param namePrefix string
param appInsightsId string
param alertEmailAddress string
param rateLimitWaitThreshold int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'cleversync'
    enabled: true
    emailReceivers: empty(alertEmailAddress) ? [] : [
      {
        name: 'operators'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

var rules = [
  {
    name: 'school-failing'
    displayName: 'clever-sync: school failing repeatedly'
    description: 'A school failed 3 or more syncs in a row (custom event CleverSyncSchoolFailing). One alert per school.'
    severity: 1
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    dimension: 'cleverSchoolId'
    aggregation: 'Count'
    measureColumn: ''
    threshold: 0
    query: '''
customEvents
| where name == "CleverSyncSchoolFailing"
| extend cleverSchoolId = tostring(customDimensions.cleverSchoolId), districtId = tostring(customDimensions.districtId)
| summarize consecutiveFailures = max(toint(customMeasurements.consecutiveFailures)) by cleverSchoolId, districtId
'''
  }
  {
    name: 'district-failing'
    displayName: 'clever-sync: district failing repeatedly'
    description: 'A district failed 3 or more runs in a row before its schools were synced (custom event CleverSyncDistrictFailing). One alert per district.'
    severity: 1
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    dimension: 'cleverDistrictId'
    aggregation: 'Count'
    measureColumn: ''
    threshold: 0
    query: '''
customEvents
| where name == "CleverSyncDistrictFailing"
| extend cleverDistrictId = tostring(customDimensions.cleverDistrictId)
| summarize consecutiveFailures = max(toint(customMeasurements.consecutiveFailures)) by cleverDistrictId
'''
  }
  {
    name: 'district-not-synced'
    displayName: 'clever-sync: district not synced for 26 hours'
    description: 'A district seen in the last 2 days has no Succeeded or PartiallySucceeded run (CleverSyncRunCompleted) in 26 hours, or no run succeeded at all.'
    severity: 2
    evaluationFrequency: 'PT1H'
    windowSize: 'P2D'
    dimension: 'districtId'
    aggregation: 'Count'
    measureColumn: ''
    threshold: 0
    query: '''
let deadline = 26h;
let runs = customEvents
  | where name == "CleverSyncRunCompleted"
  | extend districtId = tostring(customDimensions.districtId), status = tostring(customDimensions.status);
let successes = runs | where status in ("Succeeded", "PartiallySucceeded");
let stale = runs
  | where isnotempty(districtId)
  | summarize lastSuccess = maxif(timestamp, status in ("Succeeded", "PartiallySucceeded")) by districtId
  | where isnull(lastSuccess) or lastSuccess < ago(deadline);
let silent = print districtId = "(no successful run)", lastSuccess = datetime(null)
  | where toscalar(successes | where timestamp > ago(deadline) | count) == 0;
union stale, silent
'''
  }
  {
    name: 'sync-runs-failed'
    displayName: 'clever-sync: sync runs failed or held'
    description: 'A run ended Failed, Abandoned (crashed) or Held (mass-archive guard) according to CleverSyncRunCompleted.'
    severity: 2
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    dimension: 'status'
    aggregation: 'Count'
    measureColumn: ''
    threshold: 0
    query: '''
customEvents
| where name == "CleverSyncRunCompleted"
| extend status = tostring(customDimensions.status)
| where status in ("Failed", "Abandoned", "Held")
| project timestamp, status, runId = tostring(customDimensions.runId), districtId = tostring(customDimensions.districtId), schoolId = tostring(customDimensions.schoolId)
'''
  }
  {
    name: 'clever-rate-limit-burst'
    displayName: 'clever-sync: burst of Clever rate-limit waits'
    description: 'More CleverRateLimitWait events (or metric samples) in 15 minutes than the configured threshold.'
    severity: 3
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    dimension: ''
    aggregation: 'Maximum'
    measureColumn: 'waits'
    threshold: rateLimitWaitThreshold
    query: '''
union isfuzzy=true
  (customEvents | where name == "CleverRateLimitWait" | summarize waits = count()),
  (customMetrics | where name == "CleverRateLimitWait" | summarize waits = sum(valueCount))
| summarize waits = max(waits)
| where waits > 0
'''
  }
  {
    name: 'health-unhealthy'
    displayName: 'clever-sync: Clever auth health unhealthy'
    description: 'The background Clever auth health check turned unhealthy on an instance (CleverAuthHealthChanged), or GET /health/clever-auth (or /api/health/clever-auth) answered 503.'
    severity: 1
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    dimension: ''
    aggregation: 'Count'
    measureColumn: ''
    threshold: 0
    query: '''
union
  (customEvents
    | where name == "CleverAuthHealthChanged" and tostring(customDimensions.to) == "unhealthy"
    | project timestamp, source = "health check", errorCode = tostring(customDimensions.errorCode)),
  (requests
    | where url has "/health/clever-auth" and resultCode == "503"
    | project timestamp, source = strcat("GET ", tostring(parse_url(url).Path)), errorCode = "")
'''
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [
  for rule in rules: {
    name: 'alert-${namePrefix}-${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: empty(rule.measureColumn) ? null : rule.measureColumn
            // One alert per school / district / status rather than one for all of them.
            dimensions: empty(rule.dimension) ? [] : [
              {
                name: rule.dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output alertRuleNames array = [for rule in rules: 'alert-${namePrefix}-${rule.name}']
