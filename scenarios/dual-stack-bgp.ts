import { defineScenario } from 'testbed';

// Dual stack with BGP, as Calico's BIRD and bird6 run it: each host peers with the others over
// IPv4 (for the workloads' /32s) and over IPv6 (for their /128s), so every route to a remote
// workload is proto bird, and an IPv6 route's next hop is the other host's IPv6 address.
// ns2 is IPv6 only: no IPv4 address, no 169.254.1.1, no proxy ARP; only its /128 is announced.
// `family: 6` makes node names stand for their IPv6 addresses in ping, trace, matrix and iperf3.
export default defineScenario({
  name: 'dual-stack-bgp',
  description:
    'Three hosts on ens192 peering over IPv4 and IPv6; workloads with a /32 and a /128, and one with a /128 only.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1', subnet6: 'fd00:192:168:1::/64' }],
  hosts: [
    {
      name: 'host0',
      address: '192.168.1.32',
      address6: 'fd00:192:168:1::32',
      workloads: [{ name: 'ns0', address: '10.20.1.2', address6: 'fd00:10:20:1::2' }],
    },
    {
      name: 'host1',
      address: '192.168.1.16',
      address6: 'fd00:192:168:1::16',
      workloads: [{ name: 'ns1', address: '10.20.1.3', address6: 'fd00:10:20:1::3' }],
    },
    {
      name: 'host2',
      address: '192.168.1.40',
      address6: 'fd00:192:168:1::40',
      workloads: [{ name: 'ns2', address6: 'fd00:10:20:1::4' }],
    },
  ],
  routing: 'bgp',
  steps: [
    { name: 'every IPv4 and IPv6 session established, every route learned', bgp: {} },
    {
      name: 'host0 learned ns1 /128 via host1',
      route: { node: 'host0', to: 'fd00:10:20:1::3', via: 'fd00:192:168:1::16', dev: 'ens192', proto: 'bird' },
    },
    {
      name: 'IPv6: ns0 reaches ns2, hop limit 62',
      ping: { from: 'ns0', to: 'ns2', family: 6 },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: 'IPv6: the echo request hop by hop, the gateway resolved by neighbour discovery',
      trace: { from: 'ns0', to: 'ns1', family: 6 },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], encapsulation: 'none' },
    },
    { name: 'IPv6: every pair of workloads', matrix: { family: 6 } },
    { name: 'IPv4: every pair of the workloads that have IPv4', matrix: {} },
    { name: 'ns2 has no IPv4 default route', route: { node: 'ns2', to: 'default' }, expect: 'absent' },
    { name: 'TCP over IPv6 to the IPv6-only workload', iperf3: { from: 'ns0', to: 'ns2', family: 6, duration: 1 } },
    { stopBgp: 'host2' },
    {
      name: "host2's /128 leaves host0 with its session",
      route: { node: 'host0', to: 'fd00:10:20:1::4', proto: 'bird' },
      expect: 'absent',
      within: 15,
    },
    {
      name: 'without a route, ns0 and ns2 cannot reach each other over IPv6',
      matrix: { among: ['ns0', 'ns2'], family: 6 },
      expect: { reachable: false },
    },
    { startBgp: 'host2' },
    { name: 'converged again', bgp: {} },
  ],
});
