// NvaFailover's custom roles, from role-actions.json: the operator role (reads and writes of NVAs' NICs, route
// tables and public IPs) is assigned per resource group; the discovery role (tag query, subscription list,
// operation status, all read-only) per subscription; the host-network role (read-only) on the resource group of the
// app's integration subnet. No write right is ever granted subscription-wide.

targetScope = 'subscription'

param namePrefix string
param suffix string
param resourceGroupActions string[]
param subscriptionActions string[]
param hostSubnetActions string[]
param assignableScopes string[]

var roles = {
  operator: {
    roleName: 'NvaFailover operator (${namePrefix}-${suffix})'
    description: 'What NvaFailover needs where the NVAs, tagged route tables and public IPs live: read VMs, read and update NICs and route tables, attach public IPs.'
    actions: resourceGroupActions
  }
  discovery: {
    roleName: 'NvaFailover discovery (${namePrefix}-${suffix})'
    description: 'Read-only, per subscription: find tagged route tables, list subscriptions, follow long-running operations.'
    actions: subscriptionActions
  }
  hostNetwork: {
    roleName: 'NvaFailover host network reader (${namePrefix}-${suffix})'
    description: 'Read-only, on the resource group of the app\'s integration subnet: read that subnet and its route table, to check that the app\'s way to Azure does not pass through an NVA it fails over.'
    actions: hostSubnetActions
  }
}

resource definitions 'Microsoft.Authorization/roleDefinitions@2022-04-01' = [for role in items(roles): {
  name: guid(subscription().id, namePrefix, suffix, role.key)
  properties: {
    roleName: role.value.roleName
    description: role.value.description
    type: 'CustomRole'
    permissions: [
      {
        actions: role.value.actions
        notActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}]
