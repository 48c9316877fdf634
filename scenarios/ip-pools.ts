import { defineScenario } from 'testbed';

// Calico chooses the data path per IP pool. Here the two hosts hold workloads of two pools:
// 10.20.0.0/16 is routed as it is, 10.30.0.0/16 travels in VXLAN. A host routes each remote
// workload as its pool says, so one ping goes direct, another through vxlan.calico, and a ping
// from one pool to the other is wrapped one way only (the request as the target's pool says,
// the reply as the sender's). Every workload link takes the tunnel's MTU, 1450, as Calico's do.
export default defineScenario({
  name: 'ip-pools',
  description: 'Two hosts on ens192, each with a workload of a direct pool and one of a VXLAN pool.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    {
      name: 'host0',
      address: '192.168.1.32',
      tunnelAddress: '10.30.0.0',
      workloads: [
        { name: 'ns0', address: '10.20.0.2' },
        { name: 'vx0', address: '10.30.0.2' },
      ],
    },
    {
      name: 'host1',
      address: '192.168.1.16',
      tunnelAddress: '10.30.1.0',
      workloads: [
        { name: 'ns1', address: '10.20.1.2' },
        { name: 'vx1', address: '10.30.1.2' },
      ],
    },
  ],
  routing: 'static',
  pools: [
    { cidr: '10.20.0.0/16', encapsulation: 'direct' },
    { cidr: '10.30.0.0/16', encapsulation: 'vxlan' },
  ],
  steps: [
    {
      name: 'host0 routes ns1 (direct pool) via host1 on ens192',
      route: { node: 'host0', to: '10.20.1.2', via: '192.168.1.16', dev: 'ens192' },
    },
    {
      name: "host0 routes vx1 (VXLAN pool) via host1's VTEP on vxlan.calico",
      route: { node: 'host0', to: '10.30.1.2', via: '10.30.1.0', dev: 'vxlan.calico' },
    },
    {
      name: 'direct pool: the wire carries the packet as it is',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], encapsulation: 'none' },
    },
    {
      name: 'VXLAN pool: the wire carries it inside VXLAN',
      trace: { from: 'vx0', to: 'vx1' },
      expect: { hops: ['vx0', 'host0', 'host1', 'vx1'], ttls: [64, 63, 62], encapsulation: 'vxlan' },
    },
    {
      name: "from the direct pool to the VXLAN pool the request is wrapped (the target's pool decides)",
      trace: { from: 'ns0', to: 'vx1' },
      expect: { encapsulation: 'vxlan' },
    },
    {
      name: 'and the other way it is not',
      trace: { from: 'vx1', to: 'ns0' },
      expect: { encapsulation: 'none' },
    },
    {
      name: "every link takes the tunnel's MTU: 1422 bytes with DF cross the direct pool too",
      ping: { from: 'ns0', to: 'ns1', count: 1, size: 'largest', dontFragment: true },
      expect: { ttl: 62 },
    },
    { name: 'every pair of workloads, ttl by the topology', matrix: {} },
  ],
});
