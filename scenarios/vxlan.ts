import { defineScenario } from 'testbed';

// The two-host lab in Calico's VXLAN mode: workload traffic between hosts travels inside UDP
// (port 4789, VNI 4096) through vxlan.calico, whose peers Felix would program (here: the plan).
// The wire between the hosts carries the outer header; the workloads still see ttl 62, and their
// MTU, 1450, leaves room for the 50 bytes VXLAN adds.
export default defineScenario({
  name: 'vxlan',
  description: 'Two hosts on ens192, one workload each, traffic between them encapsulated in VXLAN.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.0.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.2' }] },
  ],
  routing: 'static',
  encapsulation: 'vxlan',
  // Tunnel addresses come from each host's /26 block: 10.20.0.0 and 10.20.1.0.
  bgp: { block: 26 },
  steps: [
    {
      name: 'ns0 reaches ns1, two routed hops as before',
      ping: { from: 'ns0', to: 'ns1' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    { name: 'ns1 reaches ns0', ping: { from: 'ns1', to: 'ns0' }, expect: { ttl: 62, maxLoss: 0 } },
    {
      name: "host0 routes ns1 via host1's VTEP, on vxlan.calico",
      route: { node: 'host0', to: '10.20.1.2', via: '10.20.1.0', dev: 'vxlan.calico' },
    },
    {
      name: "host0 knows host1's VTEP MAC without asking (programmed, as Felix does)",
      neighbour: { node: 'host0', address: '10.20.1.0', lladdr: '66:ca:c0:a8:01:10' },
    },
    {
      name: 'the largest packet the workload MTU allows crosses with DF set (1450 - 28 = 1422 bytes with an Ethernet uplink)',
      ping: { from: 'ns0', to: 'ns1', count: 1, size: 'largest', dontFragment: true },
      expect: { ttl: 62 },
    },
    {
      name: 'one byte more cannot leave the workload',
      ping: { from: 'ns0', to: 'ns1', count: 1, size: 'tooLarge', dontFragment: true },
      expect: { reachable: false },
    },
    {
      name: 'one packet from ns0 to ns1, read off the wire: inside VXLAN (UDP 4789, VNI 4096) between the hosts',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], encapsulation: 'vxlan' },
      within: 10,
    },
  ],
});
