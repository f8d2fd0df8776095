// The alert rules on NvaFailover's events, and the action group that receives them (this replaces ha-nva-fo's
// SMTP mail). Each rule's query is in queries/alerts/.

param namePrefix string
param location string
param tags object
param applicationInsightsId string
param alertEmails string[]

@secure()
param alertWebhookUrl string

@description('True when watchers share a witness: adds the rule for a watcher that cannot use it.')
param witness bool = false

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('nvafo-${namePrefix}', 12)
    enabled: true
    emailReceivers: [for (email, i) in alertEmails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
    webhookReceivers: empty(alertWebhookUrl) ? [] : [
      {
        name: 'webhook'
        serviceUri: alertWebhookUrl
        useCommonAlertSchema: true
      }
    ]
  }
}

var witnessRules = witness ? [
  {
    name: 'no-leader'
    displayName: 'NvaFailover: a watcher cannot use the witness'
    description: 'For more than two lease periods this watcher could not take, renew or check a cluster\'s lease in the witness, so it writes nothing for that cluster; if no other watcher leads it, no failover can happen. Check the storage account, the network path to it and the identity\'s Storage Blob Data Contributor role; the workbook shows who leads.'
    severity: 1
    query: loadTextContent('../queries/alerts/no-leader.kql')
    window: 'PT15M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThan'
    threshold: 0
  }
] : []

var baseRules = [
  {
    name: 'failover-completed'
    displayName: 'NvaFailover: failover completed'
    description: 'Traffic moved to another NVA (a failure, a preemptive failback or an operator switchover). Check why the old NVA failed; the report has detection and convergence seconds.'
    severity: 2
    query: loadTextContent('../queries/alerts/failover-completed.kql')
    window: 'PT5M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'all-nvas-down'
    displayName: 'NvaFailover: every NVA of a cluster is down'
    description: 'No healthy NVA is left, so nothing is changed and traffic through the cluster is not flowing. Restore an appliance.'
    severity: 0
    query: loadTextContent('../queries/alerts/all-nvas-down.kql')
    window: 'PT5M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'rounds-failing'
    displayName: 'NvaFailover: rounds are failing'
    description: 'Rounds end in errors (ARM unreachable, an unexpected failure). Failover may not happen; see the exceptions and run nvafo check.'
    severity: 1
    query: loadTextContent('../queries/alerts/rounds-failing.kql')
    window: 'PT15M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThanOrEqual'
    threshold: 3
  }
  {
    name: 'no-rounds'
    displayName: 'NvaFailover: no round for 5 minutes'
    description: 'The watchdog itself is not running (app stopped, crashed at start-up on invalid settings, or failing to start). Nothing protects the NVAs until it runs again.'
    severity: 1
    query: loadTextContent('../queries/alerts/no-rounds.kql')
    window: 'PT5M'
    aggregation: 'Total'
    measure: 'Rounds'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'cannot-fail-over'
    displayName: 'NvaFailover: a cluster cannot fail over'
    description: 'An NVA of a cluster could not be discovered (wrong VM id or resource group, missing permission, ARM unreachable from the app), so no failover can happen to or from it. The alert carries the reason; fix it and run nvafo check.'
    severity: 1
    query: loadTextContent('../queries/alerts/cannot-fail-over.kql')
    window: 'PT5M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'partial-failure'
    displayName: 'NvaFailover: a failover write failed'
    description: 'A route table or NIC write was refused or failed; the next round retries, but find out why (permissions: nvafo check; throttling; locks).'
    severity: 1
    query: loadTextContent('../queries/alerts/partial-failure.kql')
    window: 'PT5M'
    aggregation: 'Count'
    measure: ''
    operator: 'GreaterThan'
    threshold: 0
  }
]

var rules = concat(baseRules, witnessRules)

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [for rule in rules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  properties: {
    displayName: rule.displayName
    description: rule.description
    severity: rule.severity
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: rule.window
    scopes: [applicationInsightsId]
    criteria: {
      allOf: [
        union({
          query: rule.query
          timeAggregation: rule.aggregation
          operator: rule.operator
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }, empty(rule.measure) ? {} : { metricMeasureColumn: rule.measure })
      ]
    }
    // Stateful: an alert fires once when its condition appears and resolves itself when it clears, instead of
    // paging every evaluation (every 5 minutes) while, say, every NVA stays down.
    autoMitigate: true
    actions: {
      actionGroups: [actionGroup.id]
    }
  }
}]
