import { defineScenario, veth } from 'testbed';

// The seed's lab in Calico's own form: /32 workload addresses, cali veths with MAC
// ee:ee:ee:ee:ee:ee, proxy ARP for the invisible gateway 169.254.1.1, static routes between hosts.
export default defineScenario({
  name: 'two-host',
  description: 'Two hosts on ens192, one workload each; cross-host traffic is routed at every hop.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24', gateway: '192.168.1.1' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3' }] },
  ],
  routing: 'static',
  steps: [
    {
      name: 'ns0 reaches ns1 across two routed hops',
      ping: { from: 'ns0', to: 'ns1' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: 'ns1 reaches ns0 across two routed hops',
      ping: { from: 'ns1', to: 'ns0' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: "ns0's gateway 169.254.1.1 resolves to ee:ee:ee:ee:ee:ee (proxy ARP)",
      neighbour: { node: 'ns0', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' },
    },
    {
      name: 'host0 routes ns0 to its cali veth',
      route: { node: 'host0', to: '10.20.1.2', dev: veth('ns0'), scope: 'link' },
    },
    {
      name: 'host0 routes ns1 via host1',
      route: { node: 'host0', to: '10.20.1.3', via: '192.168.1.16', dev: 'ens192' },
    },
    {
      // The article's story read off the wire: tcpdump in every namespace on the way.
      name: 'one packet from ns0 to ns1: through host0 and host1, ttl 64, 63, 62, the gateway answered by proxy ARP',
      trace: { from: 'ns0', to: 'ns1' },
      expect: { hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], proxyArp: true },
      within: 10,
    },
    {
      name: 'proxy ARP is on for the cali veth of ns0',
      sysctl: { node: 'host0', key: `net.ipv4.conf.${veth('ns0')}.proxy_arp` },
      expect: 1,
    },
  ],
});
