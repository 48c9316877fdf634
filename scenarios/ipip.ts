import { defineScenario } from 'testbed';

// The two-host lab in Calico's IPIP mode: workload traffic between hosts travels inside an outer
// IPv4 header (protocol 4) through tunl0, the kernel's catch-all IPIP device, routed "via the
// other host dev tunl0 onlink". The workloads still see ttl 62; their MTU, 1480, leaves room for
// the 20-byte outer header. Needs a kernel with IPIP (CONFIG_NET_IPIP).
export default defineScenario({
  name: 'ipip',
  description: 'Two hosts on ens192, one workload each, traffic between them encapsulated in IP-in-IP.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.0.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.2' }] },
  ],
  routing: 'static',
  encapsulation: 'ipip',
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
      name: 'host0 routes ns1 via host1, on tunl0',
      route: { node: 'host0', to: '10.20.1.2', via: '192.168.1.16', dev: 'tunl0' },
    },
    {
      name: 'the largest packet the workload MTU allows crosses with DF set (1480 - 28 = 1452 bytes with an Ethernet uplink)',
      ping: { from: 'ns0', to: 'ns1', count: 1, size: 'largest', dontFragment: true },
      expect: { ttl: 62 },
    },
    {
      name: 'one byte more cannot leave the workload',
      ping: { from: 'ns0', to: 'ns1', count: 1, size: 'tooLarge', dontFragment: true },
      expect: { reachable: false },
    },
    {
      name: 'one packet from ns0 to ns1, read off the wire: inside IPIP (protocol 4) between the hosts',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], encapsulation: 'ipip' },
      within: 10,
    },
  ],
});
