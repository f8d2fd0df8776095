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
  },
  empty(c.?probe.?interval ?? '') ? {} : { 'NvaFailover__Clusters__${i}__Probe__Interval': c.?probe.?interval ?? '' },
  indexed('NvaFailover__Clusters__${i}__RouteTables__SubscriptionIds', c.?subscriptionIds ?? []),
  indexed('NvaFailover__Clusters__${i}__PublicIpAddressIds', c.?publicIpAddressIds ?? []),
  reduce(range(0, length(c.nvas)), {}, (settings, k) => union(settings, nvaAppSettings(c.nvas[k], 'NvaFailover__Clusters__${i}__Nvas__${k}'))))

func nvaAppSettings(n nva, prefix string) object => union(
  { '${prefix}__VirtualMachineId': n.virtualMachineId },
  empty(n.?probeEndpoint ?? '') ? {} : { '${prefix}__ProbeEndpoint': n.?probeEndpoint ?? '' },
  empty(n.?probeCertificateThumbprint ?? '') ? {} : { '${prefix}__ProbeCertificateThumbprint': n.?probeCertificateThumbprint ?? '' },
  indexed('${prefix}__NextHopIps', n.?nextHopIps ?? []))

func indexed(prefix string, values string[]) object => toObject(range(0, length(values)), j => '${prefix}__${j}', j => values[j])
