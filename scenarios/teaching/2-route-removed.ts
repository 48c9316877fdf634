import { defineScenario } from 'testbed';

// Exercise 2 of docs/teaching.md: the lab of two-host.ts, then host0 loses its route to ns1. Each "Q"
// step asks a question; its expectation is the lesson's answer, so the run passes when the kernel
// behaves as the lesson says. No step kind removes a route, so BREAK and HEAL run `ip route` as an
// operator would, as `wait` steps (they pass when the command does).
export default defineScenario({
  name: 'teach-route',
  description:
    'host0 forgets its route to ns1: packets for ns1 follow the default route to the underlay gateway, which knows no workload.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
  ],
  routing: 'static',
  steps: [
    {
      name: 'BEFORE: ns0 reaches ns1 with ttl 62',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
    },
    {
      name: 'BEFORE: host0 routes ns1 via host1',
      route: { node: 'host0', to: '10.20.1.3', via: '192.168.1.16', dev: 'ens192' },
    },
    {
      name: 'BREAK: host0 deletes its route to ns1',
      wait: { node: 'host0', command: ['ip', 'route', 'del', '10.20.1.3', 'via', '192.168.1.16', 'dev', 'ens192'] },
    },
    {
      name: 'Q1: does host0 still have a route to 10.20.1.3?',
      route: { node: 'host0', to: '10.20.1.3' },
      expect: 'absent',
    },
    {
      name: 'Q2: can ns0 still reach ns1?',
      ping: { from: 'ns0', to: 'ns1', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q3: does 169.254.1.1 still resolve to ee:ee:ee:ee:ee:ee in ns0?',
      neighbour: { node: 'ns0', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' },
    },
    {
      name: 'Q4: how far does one packet from ns0 to ns1 get?',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0'], ttls: [64], proxyArp: true },
    },
    {
      name: 'Q5: which route of host0 is left that covers 10.20.1.3?',
      route: { node: 'host0', to: 'default', via: '192.168.1.1', dev: 'ens192' },
    },
    {
      name: 'Q6: can ns1 still reach ns0?',
      ping: { from: 'ns1', to: 'ns0', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q7: how far does one packet from ns1 to ns0 get?',
      trace: { from: 'ns1', to: 'ns0' },
      expect: { hops: ['ns1', 'host1', 'host0', 'ns0'], ttls: [64, 63, 62] },
    },
    {
      name: 'Q8: can host0 still reach host1?',
      ping: { from: 'host0', to: 'host1', count: 1 },
      expect: { ttl: 64 },
    },
    {
      name: 'HEAL: host0 adds the route to ns1 again',
      wait: { node: 'host0', command: ['ip', 'route', 'add', '10.20.1.3', 'via', '192.168.1.16', 'dev', 'ens192'] },
    },
    {
      name: 'AFTER: ns0 reaches ns1 with ttl 62 again',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
      within: 10,
    },
  ],
});
