import { defineScenario, veth } from 'testbed';

// Exercise 4 of docs/teaching.md: the lab of two-host.ts, then host0 loses its default route, which
// no workload uses. Each "Q" step asks a question; its expectation is the lesson's answer, so the run
// passes when the kernel behaves as the lesson says. No step kind removes a route or forgets a
// neighbour, so BREAK and HEAL run the commands an operator would, as `wait` steps (they pass when
// the command does).
export default defineScenario({
  name: 'teach-default-route',
  description:
    'host0 loses its default route: proxy ARP is still on, but Linux answers only for an address it routes out of another interface, and nothing covers 169.254.1.1 any more.',
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
      name: 'BREAK: host0 deletes its default route',
      wait: { node: 'host0', command: ['ip', 'route', 'del', 'default', 'via', '192.168.1.1', 'dev', 'ens192'] },
    },
    {
      // Otherwise ns0 would use the MAC it learnt until the entry went stale, some 30 s later.
      name: "BREAK: ns0 forgets its gateway's MAC, as it would after a while",
      wait: { node: 'ns0', command: ['ip', 'neigh', 'flush', 'dev', 'eth0'] },
    },
    {
      name: "Q1: is proxy ARP still on for ns0's cali veth?",
      sysctl: { node: 'host0', key: `net.ipv4.conf.${veth('ns0')}.proxy_arp` },
      expect: 1,
    },
    {
      name: 'Q2: does host0 still route ns1 via host1?',
      route: { node: 'host0', to: '10.20.1.3', via: '192.168.1.16', dev: 'ens192' },
    },
    {
      name: 'Q3: can ns0 still reach ns1?',
      ping: { from: 'ns0', to: 'ns1', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q4: does 169.254.1.1 still resolve to a MAC in ns0?',
      neighbour: { node: 'ns0', address: '169.254.1.1' },
      expect: 'absent',
    },
    {
      name: 'Q5: can host0 itself still reach ns1?',
      ping: { from: 'host0', to: 'ns1', count: 1 },
      expect: { ttl: 63 },
    },
    {
      name: 'HEAL: host0 adds its default route again',
      wait: { node: 'host0', command: ['ip', 'route', 'add', 'default', 'via', '192.168.1.1', 'dev', 'ens192'] },
    },
    {
      name: 'AFTER: ns0 reaches ns1 with ttl 62 again',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
      within: 10,
    },
  ],
});
