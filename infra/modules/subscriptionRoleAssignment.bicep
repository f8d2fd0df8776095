// Assigns one of NvaFailover's custom roles to its identity on this subscription.

targetScope = 'subscription'

param roleDefinitionName string
param principalId string

@description('The identity\'s resource id, known before deployment: it names the assignment.')
param principalKey string

// Named with the id of this subscription: see roleAssignment.bicep.
var roleDefinitionId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalKey, roleDefinitionName)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
