import { defineScenario, veth } from 'testbed';

// The two-host lab with IPv6 beside IPv4, as Calico runs dual stack: each workload has a /128 as
// well as its /32, and its IPv6 gateway is fe80::ecee:eeff:feee:eeee, the link-local address the
// MAC ee:ee:ee:ee:ee:ee of its host end gives (no proxy needed: the host end really has it).
// Between hosts, IPv6 routes go via the other host's IPv6 address on ens192.
export default defineScenario({
  name: 'dual-stack',
  description: 'Two hosts on ens192, one workload each, with IPv4 and IPv6.',
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
  ],
  routing: 'static',
  steps: [
    {
      name: 'IPv4: ns0 reaches ns1 across two routed hops',
      ping: { from: 'ns0', to: 'ns1' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    {
      name: 'IPv6: ns0 reaches ns1, hop limit 62',
      ping: { from: 'ns0', to: 'fd00:10:20:1::3' },
      expect: { ttl: 62, maxLoss: 0 },
    },
    { name: 'IPv6: ns1 reaches ns0', ping: { from: 'ns1', to: 'fd00:10:20:1::2' }, expect: { ttl: 62, maxLoss: 0 } },
    {
      name: "ns0's IPv6 default route goes via the link-local address of its cali veth",
      route: { node: 'ns0', to: 'default', via: 'fe80::ecee:eeff:feee:eeee', dev: 'eth0' },
    },
    {
      name: 'ns0 resolved its IPv6 gateway to ee:ee:ee:ee:ee:ee (neighbour discovery, no proxy)',
      neighbour: { node: 'ns0', address: 'fe80::ecee:eeff:feee:eeee', lladdr: 'ee:ee:ee:ee:ee:ee' },
    },
    { name: 'host0 routes ns0 to its cali veth', route: { node: 'host0', to: 'fd00:10:20:1::2', dev: veth('ns0') } },
    {
      name: 'host0 routes ns1 via host1',
      route: { node: 'host0', to: 'fd00:10:20:1::3', via: 'fd00:192:168:1::16', dev: 'ens192' },
    },
    // A link set down loses its IPv6 addresses as well as its routes; linkUp gives both back.
    { linkDown: 'ns1' },
    { linkUp: 'ns1' },
    {
      name: "IPv6 to ns1 again after its veth's down and up",
      ping: { from: 'ns0', to: 'fd00:10:20:1::3' },
      expect: { ttl: 62 },
      within: 5,
    },
    { linkDown: 'host1' },
    { linkUp: 'host1' },
    {
      name: "IPv6 to ns1 again after host1's uplink's down and up",
      ping: { from: 'ns0', to: 'fd00:10:20:1::3' },
      expect: { ttl: 62 },
      within: 5,
    },
  ],
});
