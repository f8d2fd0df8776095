// The forwarding probes' /32 routes, one per NVA, in the route table of the app's integration subnet: each sends the
// probe of one NVA through that NVA, so an answer proves the NVA forwards. This table carries no cluster tag, so no
// failover ever moves these routes (nvafo check verifies both).

@description('Name of the integration subnet\'s route table (in this resource group).')
param routeTableName string

@description('The routes: name, addressPrefix (a /32), nextHopIpAddress (the NVA\'s IP), nva (for the error message).')
param routes object[]

resource table 'Microsoft.Network/routeTables@2024-05-01' existing = {
  name: routeTableName
}

resource probeRoute 'Microsoft.Network/routeTables/routes@2024-05-01' = [for route in routes: {
  parent: table
  name: route.name
  properties: {
    addressPrefix: route.addressPrefix
    nextHopType: 'VirtualAppliance'
    nextHopIpAddress: !empty(route.nextHopIpAddress)
      ? route.nextHopIpAddress
      : fail('The forwarding probe route ${route.name} (${route.addressPrefix}) needs the IP of NVA ${route.nva} to point at: set forwardingProbeNextHopIp (or nextHopIps) on that NVA.')
  }
}]
