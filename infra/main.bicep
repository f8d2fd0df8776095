// NvaFailover: the whole solution in one resource-group deployment.
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
// Creates a Linux Flex Consumption Function App (.NET 10 isolated) running as a user-assigned managed identity,
// its storage (identity-based, no account keys), Log Analytics + Application Insights, two least-privilege custom
// roles (from role-actions.json) assigned where the NVAs, route tables and public IPs live, the alert rules with
// their action group, and the operations workbook.

targetScope = 'resourceGroup'

import { cluster, targetResourceGroup } from 'types.bicep'
import { clusterAppSettings } from 'settings.bicep'

@description('Azure region of the Function App and its resources.')
param location string = resourceGroup().location

@description('Prefix of every resource name (3 to 11 lowercase letters or digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'nvafo'

@description('The resource groups that hold the NVA VMs and NICs, the tagged route tables and the public IPs. The operator role is assigned on each; the discovery role on each of their subscriptions.')
@minLength(1)
param targetResourceGroups targetResourceGroup[]

@description('NCRONTAB schedule of the timer (NvaFailover__Schedule).')
param schedule string = '*/30 * * * * *'

@description('The Azure cloud (NvaFailover__Cloud).')
@allowed(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'])
param cloud string = 'AzureCloud'

@description('Decide and log every change, write nothing (NvaFailover__DryRun). Start with true, run nvafo check, then set false.')
param dryRun bool = false

@description('The NVA clusters (NvaFailover__Clusters__N__...). See README, Settings.')
@minLength(1)
param clusters cluster[]

@description('Who gets the alerts by email.')
param alertEmails string[] = []

@description('Optional webhook (Teams, Slack, PagerDuty, ITSM...) that gets the alerts too.')
@secure()
param alertWebhookUrl string = ''

@description('Tags for every resource.')
param tags object = {}


var roleActions = loadJsonContent('role-actions.json')
var suffix = uniqueString(resourceGroup().id, namePrefix)
var targetSubscriptions = union(map(targetResourceGroups, g => g.subscriptionId), [])

module identity 'modules/identity.bicep' = {
  name: 'nvafo-identity'
  params: {
    name: 'id-${namePrefix}-${suffix}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'nvafo-monitoring'
  params: {
    workspaceName: 'log-${namePrefix}-${suffix}'
    applicationInsightsName: 'appi-${namePrefix}-${suffix}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

var baseSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  NvaFailover__Schedule: schedule
  NvaFailover__Cloud: cloud
  NvaFailover__ManagedIdentityClientId: identity.outputs.clientId
  NvaFailover__DryRun: string(dryRun)
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'nvafo-functionapp'
  params: {
    appName: 'func-${namePrefix}-${suffix}'
    planName: 'plan-${namePrefix}-${suffix}'
    storageAccountName: take('st${namePrefix}${suffix}', 24)
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    appSettings: reduce(range(0, length(clusters)), baseSettings, (settings, i) => union(settings, clusterAppSettings(clusters[i], i)))
  }
}

module roles 'modules/roles.bicep' = {
  name: 'nvafo-roles'
  scope: subscription()
  params: {
    namePrefix: namePrefix
    suffix: suffix
    resourceGroupActions: roleActions.resourceGroupActions
    subscriptionActions: roleActions.subscriptionActions
    // The subscription the roles are defined in, and every subscription they are assigned in.
    assignableScopes: map(union(targetSubscriptions, [subscription().subscriptionId]), s => '/subscriptions/${s}')
  }
}

module operatorAssignments 'modules/roleAssignment.bicep' = [for target in targetResourceGroups: {
  name: 'nvafo-operator-${uniqueString(target.subscriptionId, target.resourceGroup)}'
  scope: resourceGroup(target.subscriptionId, target.resourceGroup)
  params: {
    roleDefinitionId: roles.outputs.operatorRoleId
    principalId: identity.outputs.principalId
  }
}]

module discoveryAssignments 'modules/subscriptionRoleAssignment.bicep' = [for subscriptionId in targetSubscriptions: {
  name: 'nvafo-discovery-${uniqueString(subscriptionId)}'
  scope: subscription(subscriptionId)
  params: {
    roleDefinitionId: roles.outputs.discoveryRoleId
    principalId: identity.outputs.principalId
  }
}]

module alerts 'modules/alerts.bicep' = {
  name: 'nvafo-alerts'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmails: alertEmails
    alertWebhookUrl: alertWebhookUrl
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'nvafo-workbook'
  params: {
    name: guid(resourceGroup().id, namePrefix, 'workbook')
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

@description('Publish the code with: func azure functionapp publish <this name> (from src/NvaFailover.Functions).')
output functionAppName string = functionApp.outputs.name

@description('Client id of the managed identity NvaFailover runs as.')
output identityClientId string = identity.outputs.clientId

@description('Application Insights resource id.')
output applicationInsightsId string = monitoring.outputs.applicationInsightsId
