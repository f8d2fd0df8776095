// Parameter types of main.bicep: the NvaFailover settings contract in Bicep's shape.

@export()
@description('A resource group holding NVAs, route tables or public IPs.')
type targetResourceGroup = {
  subscriptionId: string
  resourceGroup: string
}

@export()
@description('One appliance: its VM id, and optionally its probe endpoint and explicit interface slots.')
type nva = {
  @description('Full ARM id of the appliance VM.')
  virtualMachineId: string

  @description('host:port (TCP probe) or http(s):// URL (HTTP probe).')
  probeEndpoint: string?

  @description('This NVA\'s private IPs in slot order (give them for every NVA of the cluster or for none).')
  nextHopIps: string[]?

  @description('Optional: the SHA-1 thumbprint the certificate of an https probeEndpoint must have (default: any certificate, as Azure Load Balancer accepts).')
  probeCertificateThumbprint: string?

  @description('With probe kind Forwarding (or All): host:port or http(s):// URL of an address reached only through this NVA (a canary behind it); one address per NVA. docs/forwarding-probe.md.')
  forwardingProbeEndpoint: string?

  @description('With forwardingProbeRouteTableId: the IP of this NVA that the forwarding probe\'s /32 route points at (its inside interface). Default: the first of nextHopIps.')
  forwardingProbeNextHopIp: string?
}

@export()
@description('A cluster: NVAs in priority order and the resources that follow the active one.')
type cluster = {
  @description('Unique name used in logs, metrics and reports.')
  name: string

  @description('Two or more NVAs, in priority order.')
  @minLength(2)
  nvas: nva[]

  @description('The nva_ha_udr tag value of the cluster\'s route tables (case-sensitive).')
  tagValue: string

  @description('The tag name (default nva_ha_udr).')
  tagName: string?

  @description('Subscriptions to search for tagged tables (default: every one the identity can see).')
  subscriptionIds: string[]?

  @description('Public IPs that follow the active NVA.')
  publicIpAddressIds: string[]?

  @description('Probe settings; durations are hh:mm:ss.')
  probe: {
    kind: ('VmPowerState' | 'Tcp' | 'Http' | 'Forwarding' | 'All')?
    attempts: int?
    delay: string?
    timeout: string?
    interval: string?
  }?

  failback: ('OnActiveFailure' | 'Preemptive')?

  @description('After a failover, confirm on the data plane (effective routes) that traffic follows it (default EffectiveRoutes), or None.')
  verification: ('EffectiveRoutes' | 'None')?

  @description('With Preemptive: continuous health required before returning (hh:mm:ss).')
  preemptAfter: string?
}
