import { defineScenario, veth } from 'testbed';

// Exercise 1 of docs/teaching.md: the lab of two-host.ts, then proxy ARP turned off on the cali veth
// of ns0. Each "Q" step asks a question; its expectation is the lesson's answer, so the run passes
// when the kernel behaves as the lesson says. No step kind sets a sysctl or forgets a neighbour, so
// BREAK and HEAL run the commands an operator would, as `wait` steps (they pass when the command does);
// veth('ns0') in a command stands for the name of ns0's cali veth.
export default defineScenario({
  name: 'teach-proxy-arp',
  description:
    "Proxy ARP off on ns0's cali veth: nobody answers ns0's ARP for 169.254.1.1, so ns0 can send nothing off its host.",
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    {
      name: 'host0',
      address: '192.168.1.32',
      workloads: [{ name: 'ns0', address: '10.20.1.2' }],
    },
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
      name: 'BEFORE: 169.254.1.1 resolves to ee:ee:ee:ee:ee:ee in ns0',
      neighbour: { node: 'ns0', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' },
    },
    {
      name: "BREAK: host0 turns proxy ARP off on ns0's cali veth",
      wait: { node: 'host0', command: ['sysctl', '-w', `net.ipv4.conf.${veth('ns0')}.proxy_arp=0`] },
    },
    {
      // Otherwise ns0 would use the MAC it learnt until the entry went stale, some 30 s later.
      name: "BREAK: ns0 forgets its gateway's MAC, as it would after a while",
      wait: { node: 'ns0', command: ['ip', 'neigh', 'flush', 'dev', 'eth0'] },
    },
    {
      name: "Q1: what does host0 now read in proxy_arp of ns0's cali veth?",
      sysctl: { node: 'host0', key: `net.ipv4.conf.${veth('ns0')}.proxy_arp` },
      expect: 0,
    },
    {
      name: 'Q2: can ns0 still reach ns1?',
      ping: { from: 'ns0', to: 'ns1', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q3: does 169.254.1.1 still resolve to a MAC in ns0?',
      neighbour: { node: 'ns0', address: '169.254.1.1' },
      expect: 'absent',
    },
    {
      name: 'Q4: how far does one packet from ns0 to ns1 get, and who answers its ARP?',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { proxyArp: false },
    },
    {
      name: 'Q5: can ns1 still reach ns0?',
      ping: { from: 'ns1', to: 'ns0', count: 2 },
      expect: { reachable: false },
    },
    {
      name: 'Q6: how far does one packet from ns1 to ns0 get?',
      trace: { from: 'ns1', to: 'ns0' },
      expect: { hops: ['ns1', 'host1', 'host0', 'ns0'], ttls: [64, 63, 62] },
    },
    {
      name: 'Q7: can host0 still reach host1?',
      ping: { from: 'host0', to: 'host1', count: 1 },
      expect: { ttl: 64 },
    },
    {
      name: 'HEAL: host0 turns proxy ARP on again',
      wait: { node: 'host0', command: ['sysctl', '-w', `net.ipv4.conf.${veth('ns0')}.proxy_arp=1`] },
    },
    {
      name: 'AFTER: ns0 reaches ns1 with ttl 62 again',
      ping: { from: 'ns0', to: 'ns1', count: 1 },
      expect: { ttl: 62 },
      within: 10,
    },
  ],
});
