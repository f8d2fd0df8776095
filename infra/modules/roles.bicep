// NvaFailover's two custom roles, from role-actions.json: the operator role (reads and writes of NVAs' NICs, route
// tables and public IPs) is assigned per resource group; the discovery role (tag query, subscription list,
// operation status, all read-only) per subscription. No write right is ever granted subscription-wide.

targetScope = 'subscription'

param namePrefix string
param suffix string
param resourceGroupActions string[]
param subscriptionActions string[]
param assignableScopes string[]

resource operator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, namePrefix, suffix, 'operator')
  properties: {
    roleName: 'NvaFailover operator (${namePrefix}-${suffix})'
    description: 'What NvaFailover needs where the NVAs, tagged route tables and public IPs live: read VMs, read and update NICs and route tables, attach public IPs.'
    type: 'CustomRole'
    permissions: [
      {
        actions: resourceGroupActions
        notActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource discovery 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, namePrefix, suffix, 'discovery')
  properties: {
    roleName: 'NvaFailover discovery (${namePrefix}-${suffix})'
    description: 'Read-only, per subscription: find tagged route tables, list subscriptions, follow long-running operations.'
    type: 'CustomRole'
    permissions: [
      {
        actions: subscriptionActions
        notActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output operatorRoleId string = operator.id
output discoveryRoleId string = discovery.id
