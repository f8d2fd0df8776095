// The operations workbook (infra/workbook.json): who was active when, failovers with detection and convergence
// times, NVA health, ARM throttling and conflicts, writes per hour.

param name string
param location string
param tags object
param applicationInsightsId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'NvaFailover operations'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: loadTextContent('../workbook.json')
  }
}
