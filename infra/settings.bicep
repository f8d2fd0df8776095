// The app settings of one cluster, with the names of the settings contract (NvaFailover__Clusters__N__...).
// Defaults are the contract's; a setting left out of the cluster parameter gets its contract default.

import { cluster, nva } from 'types.bicep'

@export()
func clusterAppSettings(c cluster, i int) object => union(
  {
    'NvaFailover__Clusters__${i}__Name': c.name
    'NvaFailover__Clusters__${i}__RouteTables__TagName': c.?tagName ?? 'nva_ha_udr'
    'NvaFailover__Clusters__${i}__RouteTables__TagValue': c.tagValue
    'NvaFailover__Clusters__${i}__Probe__Kind': c.?probe.?kind ?? 'VmPowerState'
    'NvaFailover__Clusters__${i}__Probe__Attempts': string(c.?probe.?attempts ?? 3)
    'NvaFailover__Clusters__${i}__Probe__Delay': c.?probe.?delay ?? '00:00:02'
    'NvaFailover__Clusters__${i}__Probe__Timeout': c.?probe.?timeout ?? '00:00:02'
    'NvaFailover__Clusters__${i}__Failback': c.?failback ?? 'OnActiveFailure'
    'NvaFailover__Clusters__${i}__PreemptAfter': c.?preemptAfter ?? '00:05:00'
    'NvaFailover__Clusters__${i}__WhenAllDown': 'KeepLastKnownGood'
    'NvaFailover__Clusters__${i}__Verification': c.?verification ?? 'EffectiveRoutes'
  },
  empty(c.?probe.?interval ?? '') ? {} : { 'NvaFailover__Clusters__${i}__Probe__Interval': c.?probe.?interval ?? '' },
  indexed('NvaFailover__Clusters__${i}__RouteTables__SubscriptionIds', c.?subscriptionIds ?? []),
  indexed('NvaFailover__Clusters__${i}__PublicIpAddressIds', c.?publicIpAddressIds ?? []),
  reduce(range(0, length(c.nvas)), {}, (settings, k) => union(settings, nvaAppSettings(c.nvas[k], 'NvaFailover__Clusters__${i}__Nvas__${k}'))))

func nvaAppSettings(n nva, prefix string) object => union(
  { '${prefix}__VirtualMachineId': n.virtualMachineId },
  empty(n.?probeEndpoint ?? '') ? {} : { '${prefix}__ProbeEndpoint': n.?probeEndpoint ?? '' },
  empty(n.?probeCertificateThumbprint ?? '') ? {} : { '${prefix}__ProbeCertificateThumbprint': n.?probeCertificateThumbprint ?? '' },
  empty(n.?forwardingProbeEndpoint ?? '') ? {} : { '${prefix}__ForwardingProbeEndpoint': n.?forwardingProbeEndpoint ?? '' },
  indexed('${prefix}__NextHopIps', n.?nextHopIps ?? []))

// The forwarding probes' /32 routes of one cluster, for the integration subnet's route table: one per NVA with a
// forwardingProbeEndpoint, named after the cluster and the NVA's position, to the NVA's forwardingProbeNextHopIp (or
// its first nextHopIp). An endpoint's host must be an IPv4 address.
@export()
func probeRoutes(c cluster) object[] => map(
  filter(range(0, length(c.nvas)), k => !empty(c.nvas[k].?forwardingProbeEndpoint ?? '')),
  k => {
    name: 'nvafo-probe-${c.name}-${k}'
    addressPrefix: '${probeHost(c.nvas[k].?forwardingProbeEndpoint ?? '')}/32'
    nextHopIpAddress: c.nvas[k].?forwardingProbeNextHopIp ?? first(c.nvas[k].?nextHopIps ?? [''])
    nva: last(split(c.nvas[k].virtualMachineId, '/'))
  })

// 10.50.0.10:443 -> 10.50.0.10; http(s)://10.50.0.10[:port]/path -> 10.50.0.10.
func probeHost(endpoint string) string => contains(endpoint, '://')
  ? split(split(split(endpoint, '://')[1], '/')[0], ':')[0]
  : split(endpoint, ':')[0]

func indexed(prefix string, values string[]) object => toObject(range(0, length(values)), j => '${prefix}__${j}', j => values[j])
