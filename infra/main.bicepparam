// Sample parameters: a Meraki vMX pair in two resource groups, spokes in a second subscription.
// az deployment group create -g rg-nvafailover -f infra/main.bicep -p infra/main.bicepparam
using 'main.bicep'

param namePrefix = 'nvafo'

param targetResourceGroups = [
  { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-vmx' }
  { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-hub' }
  { subscriptionId: '00000000-0000-0000-0000-000000000002', resourceGroup: 'rg-spokes' }
]

param schedule = '*/30 * * * * *'
param cloud = 'AzureCloud'

// The app's outbound traffic leaves from this subnet (delegated to Microsoft.App/environments): it reaches the NVAs'
// probe endpoints, and its route table sends Azure Resource Manager's traffic straight out, not through an NVA.
param integrationSubnetId = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-nvafailover'

// That subnet's route table (no cluster tag): infra adds each NVA's forwarding-probe /32 route to it, so the probe of
// vmx-a to the canary's 10.50.0.10 passes through vmx-a only, and vmx-b's to 10.50.0.11 through vmx-b.
param forwardingProbeRouteTableId = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/routeTables/rt-nvafailover'

// Start with a dry run: every change is logged (DryRunChange), none is made. Run nvafo check, then set false.
param dryRun = true

param clusters = [
  {
    name: 'vmx'
    nvas: [
      {
        virtualMachineId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-vmx/providers/Microsoft.Compute/virtualMachines/vmx-a'
        probeEndpoint: '10.1.0.4:443'
        forwardingProbeEndpoint: '10.50.0.10:443'
        forwardingProbeNextHopIp: '10.1.0.4'
      }
      {
        virtualMachineId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-vmx/providers/Microsoft.Compute/virtualMachines/vmx-b'
        probeEndpoint: '10.1.0.5:443'
        forwardingProbeEndpoint: '10.50.0.11:443'
        forwardingProbeNextHopIp: '10.1.0.5'
      }
    ]
    tagValue: 'vmx'
    subscriptionIds: ['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002']
    publicIpAddressIds: ['/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-vmx/providers/Microsoft.Network/publicIPAddresses/pip-vmx']
    probe: {
      kind: 'All'
      attempts: 3
      delay: '00:00:02'
      timeout: '00:00:02'
      interval: '00:00:05'
    }
    failback: 'OnActiveFailure'
  }
]

param alertEmails = ['noc@contoso.com']
param alertWebhookUrl = ''
param tags = { workload: 'nvafailover' }
