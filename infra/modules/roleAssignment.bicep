// Assigns one of NvaFailover's custom roles to its identity on this resource group.

param roleDefinitionName string
param principalId string

@description('The identity\'s resource id, known before deployment: it names the assignment.')
param principalKey string

// A custom role is one object, assignable in every subscription of its assignable scopes; an assignment names it
// with the id of the subscription the assignment is in.
var roleDefinitionId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalKey, roleDefinitionName)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
