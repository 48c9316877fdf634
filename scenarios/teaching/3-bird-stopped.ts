import { defineScenario, veth } from 'testbed';

// Exercise 3 of docs/teaching.md: the lab of two-host.ts with the routes learned over BGP (BIRD 2 on
// each host, as Calico's node runs it), then BIRD stopped on host1. Each "Q" step asks a question; its
// expectation is the lesson's answer, so the run passes when the kernel behaves as the lesson says.
export default defineScenario({
  name: 'teach-bird',
  description:
    'BIRD stopped on host1: its BGP session closes, host0 withdraws the route to ns1 that BGP taught it, and host1 flushes the one to ns0.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
  ],
  routing: 'bgp',
  steps: [
    { name: 'BEFORE: the BGP session is Established, each host learned the other workload', bgp: {} },
    {
      name: 'BEFORE: host0 routes ns1 via host1, learned by BIRD',
      route: { node: 'host0', to: '10.20.1.3', via: '192.168.1.16', proto: 'bird' },
    },
    {
      name: 'BEFORE: ns0 reaches ns1 with ttl 62',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
    },
    { name: 'BREAK: BIRD stops on host1', stopBgp: 'host1' },
    {
      name: 'Q1: does host0 still have a route to 10.20.1.3?',
      route: { node: 'host0', to: '10.20.1.3' },
      expect: 'absent',
      within: 10,
    },
    {
      name: 'Q2: does host1 still have a route to 10.20.1.2?',
      route: { node: 'host1', to: '10.20.1.2' },
      expect: 'absent',
      within: 10,
    },
    {
      name: 'Q3: does host1 still route ns1 to its cali veth?',
      route: { node: 'host1', to: '10.20.1.3', dev: veth('ns1'), scope: 'link' },
    },
    {
      name: 'Q4: can ns0 still reach ns1?',
      ping: { from: 'ns0', to: 'ns1', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q5: does 169.254.1.1 still resolve to ee:ee:ee:ee:ee:ee in ns0?',
      neighbour: { node: 'ns0', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' },
    },
    {
      name: 'Q6: can host0 still reach host1?',
      ping: { from: 'host0', to: 'host1', count: 1 },
      expect: { ttl: 64 },
    },
    { name: 'HEAL: BIRD starts again on host1', startBgp: 'host1' },
    { name: 'AFTER: the session is Established again, both routes learned again', bgp: {} },
    {
      name: 'AFTER: ns0 reaches ns1 with ttl 62 again',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
      within: 10,
    },
  ],
});
