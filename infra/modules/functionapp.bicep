// Linux Flex Consumption Function App (.NET 10 isolated) running as the user-assigned identity. Its storage is
// reached with that identity (no account keys anywhere), including AzureWebJobsStorage and the deployment package.

param appName string
param planName string
param storageAccountName string
param location string
param tags object
param identityId string
param identityClientId string
param identityPrincipalId string

@description('The identity\'s resource id as the template computes it (known before deployment), for role assignment names.')
param identityKey string

@description('App settings (the NvaFailover__... settings and Application Insights).')
param appSettings object

@description('Subnet for the app\'s outbound traffic (VNet integration), delegated to Microsoft.App/environments; empty for none.')
param integrationSubnetId string

@description('A container for the witness (one blob per cluster: its lease and flight record) in this app\'s storage account; empty for none. The identity\'s Storage Blob Data Owner on the account covers it.')
param witnessContainer string = ''

var deploymentContainer = 'deploymentpackage'
var storageRoles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource witness 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (!empty(witnessContainer)) {
  parent: blobService
  name: empty(witnessContainer) ? 'none' : witnessContainer
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(storageRoles): {
  name: guid(storage.id, identityKey, role.value)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Probes go to the NVAs' private IPs: the app's outbound traffic must leave from a subnet that reaches them.
    virtualNetworkSubnetId: empty(integrationSubnetId) ? null : integrationSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        // One instance kept warm for the timer, so a tick never waits for a cold start. What keeps one instance running
        // the timer is the Functions host's singleton blob lease in the app's storage, not an instance cap: caps under
        // 40 are refused in most regions, so the cap is the lowest every region accepts.
        alwaysReady: [
          {
            name: 'function:NvaFailoverTimer'
            instanceCount: 1
          }
        ]
        maximumInstanceCount: 40
        // The process's working set is about 160 MB; 512 MB, Flex's smallest size, leaves three times that.
        instanceMemoryMB: 512
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
  dependsOn: [storageAccess]
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(appSettings, empty(witnessContainer) ? {} : {
    NvaFailover__Witness__ContainerUri: '${storage.properties.primaryEndpoints.blob}${witnessContainer}'
  }, {
    // Service URIs from the account itself, so they are right in every cloud (an account name alone implies the public one).
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
  })
}

output name string = app.name

@description('The storage account\'s resource id (it holds the witness container, when there is one).')
output storageAccountId string = storage.id

@description('The witness container\'s URI; empty without one.')
output witnessContainerUri string = empty(witnessContainer) ? '' : '${storage.properties.primaryEndpoints.blob}${witnessContainer}'
