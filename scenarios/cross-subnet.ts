import { defineScenario } from 'testbed';

// Calico's CrossSubnet mode: two racks, each its own segment, routed by the fabric between them.
// Within a rack workload traffic is routed as it is; across racks it travels inside VXLAN, so
// the fabric routes only the hosts' addresses and its hop is hidden from the workloads: ttl 62
// across racks, where the direct path (test/fixtures/two-segments.ts) shows 61.
export default defineScenario({
  name: 'cross-subnet',
  description: 'Three hosts on two segments: direct within a segment, VXLAN across segments.',
  segments: [
    { name: 'ens192', subnet: '192.168.1.0/24' },
    { name: 'ens224', subnet: '192.168.2.0/24' },
  ],
  hosts: [
    { name: 'host0', segment: 'ens192', address: '192.168.1.10', workloads: [{ name: 'ns0', address: '10.20.0.2' }] },
    { name: 'host1', segment: 'ens192', address: '192.168.1.11', workloads: [{ name: 'ns1', address: '10.20.1.2' }] },
    { name: 'host2', segment: 'ens224', address: '192.168.2.10', workloads: [{ name: 'ns2', address: '10.20.2.2' }] },
  ],
  routing: 'static',
  encapsulation: 'vxlan',
  crossSubnet: true,
  // Tunnel addresses come from each host's /26 block: 10.20.0.0, 10.20.1.0, 10.20.2.0.
  bgp: { block: 26 },
  steps: [
    {
      name: 'within the rack: ns0 reaches ns1, two routed hops',
      ping: { from: 'ns0', to: 'ns1' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: 'across racks: ns0 reaches ns2, the fabric hidden in the tunnel',
      ping: { from: 'ns0', to: 'ns2' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: 'host0 routes ns1 directly via host1 on ens192',
      route: { node: 'host0', to: '10.20.1.2', via: '192.168.1.11', dev: 'ens192' },
    },
    {
      name: "host0 routes ns2 via host2's VTEP on vxlan.calico",
      route: { node: 'host0', to: '10.20.2.2', via: '10.20.2.0', dev: 'vxlan.calico' },
    },
    {
      name: 'within the rack the wire carries the packet as it is',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], encapsulation: 'none' },
      within: 10,
    },
    {
      name: 'across racks it carries it inside VXLAN, from host0 to host2',
      trace: { from: 'ns0', to: 'ns2' },
      expect: { hops: ['ns0', 'host0', 'host2', 'ns2'], ttls: [64, 63, 62], encapsulation: 'vxlan' },
      within: 10,
    },
    {
      name: 'the largest packet the workload MTU allows crosses the racks with DF set (1450 - 28 = 1422 bytes)',
      ping: { from: 'ns0', to: 'ns2', count: 1, size: 'largest', dontFragment: true },
      expect: { ttl: 62 },
    },
    {
      // Hosts too: a host's own traffic into the tunnel leaves from its tunnel address; the reply
      // to a host's segment address crosses the fabric directly.
      name: 'every pair of hosts and workloads, ttl by the topology',
      matrix: { among: ['host0', 'host1', 'host2', 'ns0', 'ns1', 'ns2'] },
      expect: { ttl: 'topology' },
    },
  ],
});
