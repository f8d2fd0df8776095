// NvaFailover: the whole solution in one resource-group deployment.
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
// Creates a Linux Flex Consumption Function App (.NET 10 isolated) running as a user-assigned managed identity,
// integrated into a subnet that reaches the NVAs, its storage (identity-based, no account keys), Log Analytics +
// Application Insights, three least-privilege custom roles (from role-actions.json) assigned where the NVAs, route
// tables, public IPs and the app's subnet live, the alert rules with their action group, and the operations workbook.

targetScope = 'resourceGroup'

import { cluster, targetResourceGroup } from 'types.bicep'
import { clusterAppSettings, probeRoutes } from 'settings.bicep'

@description('Azure region of the Function App and its resources.')
param location string = resourceGroup().location

@description('Prefix of every resource name (3 to 11 lowercase letters or digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'nvafo'

@description('The resource groups that hold the NVA VMs and NICs, the tagged route tables, the public IPs, and any load balancer or application gateway the NVAs\' NICs are in. The operator role is assigned on each; the discovery role on each of their subscriptions.')
@minLength(1)
param targetResourceGroups targetResourceGroup[]

@description('Full id of the subnet the Function App\'s outbound traffic leaves from (VNet integration; NvaFailover__HostSubnetId). Required when a cluster probes over the network (Tcp, Http, All): the probes go to the NVAs\' private IPs. Flex Consumption needs it delegated to Microsoft.App/environments. It must reach every ProbeEndpoint, and reach Azure Resource Manager without passing through an NVA of a cluster (README, "The app\'s own network").')
param integrationSubnetId string = ''

@description('Optional: full id of the integration subnet\'s route table (never a table carrying a cluster\'s tag). When set, each NVA with a forwardingProbeEndpoint gets its /32 route here, to its forwardingProbeNextHopIp, so its forwarding probe passes through it alone (docs/forwarding-probe.md).')
param forwardingProbeRouteTableId string = ''

@description('NCRONTAB schedule of the timer (NvaFailoverSchedule and NvaFailover__Schedule).')
param schedule string = '*/30 * * * * *'

@description('The Azure cloud (NvaFailover__Cloud).')
@allowed(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'])
param cloud string = 'AzureCloud'

@description('Decide and log every change, write nothing (NvaFailover__DryRun). Start with true, run nvafo check, then set false.')
param dryRun bool = false

@description('The NVA clusters (NvaFailover__Clusters__N__...). See README, Settings.')
@minLength(1)
param clusters cluster[]

@description('Keep a witness so that more than one watcher can run (a second deployment in another region): a container \'witness\' in this deployment\'s storage account. Pass the outputs witnessContainerUri and witnessStorageAccountId to the second deployment.')
param createWitness bool = false

@description('Join the witness another deployment keeps (its output witnessContainerUri); empty for none.')
param witnessContainerUri string = ''

@description('The storage account that holds witnessContainerUri (the other deployment\'s output witnessStorageAccountId): this identity gets Storage Blob Data Contributor on the container.')
param witnessStorageAccountId string = ''

@description('Witness:LeaseDuration, 15 to 60 seconds: how long a dead leader holds a cluster before another watcher takes over.')
param witnessLeaseDuration string = '00:00:30'

@description('Who gets the alerts by email.')
param alertEmails string[] = []

@description('Optional webhook (Teams, Slack, PagerDuty, ITSM...) that gets the alerts too.')
@secure()
param alertWebhookUrl string = ''

@description('Tags for every resource.')
param tags object = {}

var roleActions = loadJsonContent('role-actions.json')
var suffix = uniqueString(resourceGroup().id, namePrefix)

// Deployments at subscription scope share one namespace per subscription, and a name is tied to the region it was
// first used in: names carry this instance's and this region's hash so that several instances never collide.
var deploymentSuffix = uniqueString(resourceGroup().id, namePrefix, location)
var targetSubscriptions = union(map(targetResourceGroups, g => g.subscriptionId), [])
var identityName = 'id-${namePrefix}-${suffix}'

// Known before deployment (unlike the identity's principal id), so it can name role assignments.
var identityKey = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
var roleNames = {
  operator: guid(subscription().id, namePrefix, suffix, 'operator')
  discovery: guid(subscription().id, namePrefix, suffix, 'discovery')
  hostNetwork: guid(subscription().id, namePrefix, suffix, 'hostNetwork')
}

// A network probe from an app without VNet integration can never reach an NVA's private IP: every NVA would be down
// and the app would hold forever. Refuse that deployment before anything is created.
var networkProbeClusters = filter(clusters, c => (c.?probe.?kind ?? 'VmPowerState') != 'VmPowerState')
var hostSubnetId = empty(networkProbeClusters) || !empty(integrationSubnetId)
  ? integrationSubnetId
  : fail('integrationSubnetId is required: cluster(s) ${join(map(networkProbeClusters, c => c.name), ', ')} probe over the network (Tcp, Http, Forwarding or All), and only an app integrated into a subnet that reaches the NVAs can probe their private IPs. Set integrationSubnetId to a subnet delegated to Microsoft.App/environments, or use probe kind VmPowerState.')
var hostSubnetParts = split(hostSubnetId, '/')
var hostSubnetSubscription = empty(hostSubnetId) ? subscription().subscriptionId : hostSubnetParts[2]
var hostSubnetResourceGroup = empty(hostSubnetId) ? resourceGroup().name : hostSubnetParts[4]

// The witness: created here, joined from another deployment, or none (one watcher, as before). Refused when ambiguous.
var storageAccountName = take('st${namePrefix}${suffix}', 24)
// A created witness's URI comes from the storage account itself (right in every cloud): the function app module sets it.
var witnessCreated = createWitness
  ? (empty(witnessContainerUri)
      ? true
      : fail('Set either createWitness (this deployment keeps the witness) or witnessContainerUri (it joins another deployment\'s witness), not both.'))
  : false
// Without an account, parts of a placeholder id: the module is then not deployed, but its scope is still read.
var witnessParts = split(empty(witnessStorageAccountId) ? '${resourceGroup().id}/providers/Microsoft.Storage/storageAccounts/none' : witnessStorageAccountId, '/')
var witnessJoined = !createWitness && !empty(witnessContainerUri)
  ? (empty(witnessStorageAccountId)
      ? fail('witnessContainerUri needs witnessStorageAccountId (the other deployment\'s output), so that this deployment\'s identity can be granted the container.')
      : true)
  : false
var witnessSettings = union(
  witnessJoined ? { NvaFailover__Witness__ContainerUri: witnessContainerUri } : {},
  witnessCreated || witnessJoined ? { NvaFailover__Witness__LeaseDuration: witnessLeaseDuration } : {})

module identity 'modules/identity.bicep' = {
  name: 'nvafo-identity-${deploymentSuffix}'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'nvafo-monitoring-${deploymentSuffix}'
  params: {
    workspaceName: 'log-${namePrefix}-${suffix}'
    applicationInsightsName: 'appi-${namePrefix}-${suffix}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
    publisherKey: identityKey
  }
}

var baseSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  // The timer reads the flat name (a binding expression cannot read a nested setting on Linux); NvaFailover reads both.
  NvaFailoverSchedule: schedule
  NvaFailover__Schedule: schedule
  NvaFailover__Cloud: cloud
  NvaFailover__ManagedIdentityClientId: identity.outputs.clientId
  NvaFailover__DryRun: string(dryRun)
  NvaFailover__HostSubnetId: hostSubnetId
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'nvafo-functionapp-${deploymentSuffix}'
  params: {
    appName: 'func-${namePrefix}-${suffix}'
    planName: 'plan-${namePrefix}-${suffix}'
    storageAccountName: storageAccountName
    witnessContainer: witnessCreated ? 'witness' : ''
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    identityKey: identityKey
    integrationSubnetId: hostSubnetId
    appSettings: reduce(range(0, length(clusters)), union(baseSettings, witnessSettings), (settings, i) => union(settings, clusterAppSettings(clusters[i], i)))
  }
}

module roles 'modules/roles.bicep' = {
  name: 'nvafo-roles-${deploymentSuffix}'
  scope: subscription()
  params: {
    namePrefix: namePrefix
    suffix: suffix
    resourceGroupActions: roleActions.resourceGroupActions
    subscriptionActions: roleActions.subscriptionActions
    hostSubnetActions: roleActions.hostSubnetActions
    // The subscription the roles are defined in, and every subscription they are assigned in.
    assignableScopes: map(union(targetSubscriptions, [subscription().subscriptionId], [hostSubnetSubscription]), s => '/subscriptions/${s}')
  }
}

var forwardingProbeRoutes = flatten(map(clusters, c => probeRoutes(c)))
// Without a table, parts of a placeholder id: the module is then not deployed, but its scope is still read.
var probeTableParts = split(empty(forwardingProbeRouteTableId) ? '${resourceGroup().id}/providers/Microsoft.Network/routeTables/none' : forwardingProbeRouteTableId, '/')

module probeRouteEntries 'modules/probeRoutes.bicep' = if (!empty(forwardingProbeRouteTableId) && !empty(forwardingProbeRoutes)) {
  name: 'nvafo-proberoutes-${deploymentSuffix}'
  scope: resourceGroup(probeTableParts[2], probeTableParts[4])
  params: {
    routeTableName: last(probeTableParts)
    routes: forwardingProbeRoutes
  }
}

module operatorAssignments 'modules/roleAssignment.bicep' = [for target in targetResourceGroups: {
  name: 'nvafo-operator-${uniqueString(deploymentSuffix, target.subscriptionId, target.resourceGroup)}'
  scope: resourceGroup(target.subscriptionId, target.resourceGroup)
  params: {
    roleDefinitionName: roleNames.operator
    principalId: identity.outputs.principalId
    principalKey: identityKey
  }
  dependsOn: [roles]
}]

module discoveryAssignments 'modules/subscriptionRoleAssignment.bicep' = [for subscriptionId in targetSubscriptions: {
  name: 'nvafo-discovery-${uniqueString(deploymentSuffix, subscriptionId)}'
  scope: subscription(subscriptionId)
  params: {
    roleDefinitionName: roleNames.discovery
    principalId: identity.outputs.principalId
    principalKey: identityKey
  }
  dependsOn: [roles]
}]

module hostNetworkAssignment 'modules/roleAssignment.bicep' = if (!empty(hostSubnetId)) {
  name: 'nvafo-hostnetwork-${deploymentSuffix}'
  scope: resourceGroup(hostSubnetSubscription, hostSubnetResourceGroup)
  params: {
    roleDefinitionName: roleNames.hostNetwork
    principalId: identity.outputs.principalId
    principalKey: identityKey
  }
  dependsOn: [roles]
}

module witnessAccess 'modules/witnessAccess.bicep' = if (witnessJoined) {
  name: 'nvafo-witness-${deploymentSuffix}'
  scope: resourceGroup(witnessParts[2], witnessParts[4])
  params: {
    storageAccountName: last(witnessParts)
    containerName: last(split(split(witnessContainerUri, '?')[0], '/'))
    principalId: identity.outputs.principalId
    principalKey: identityKey
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'nvafo-alerts-${deploymentSuffix}'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmails: alertEmails
    alertWebhookUrl: alertWebhookUrl
    witness: witnessCreated || witnessJoined
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'nvafo-workbook-${deploymentSuffix}'
  params: {
    name: guid(resourceGroup().id, namePrefix, 'workbook')
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

@description('Publish the code with: func azure functionapp publish <this name> --dotnet-isolated (from src/NvaFailover.Functions).')
output functionAppName string = functionApp.outputs.name

@description('Client id of the managed identity NvaFailover runs as.')
output identityClientId string = identity.outputs.clientId

@description('Application Insights resource id.')
output applicationInsightsId string = monitoring.outputs.applicationInsightsId

@description('The witness container this deployment uses (pass it to a second deployment as witnessContainerUri); empty for none.')
output witnessContainerUri string = witnessCreated ? functionApp.outputs.witnessContainerUri : witnessContainerUri

@description('The storage account that holds the witness this deployment created (pass it to a second deployment as witnessStorageAccountId); empty otherwise.')
output witnessStorageAccountId string = witnessCreated ? functionApp.outputs.storageAccountId : ''
