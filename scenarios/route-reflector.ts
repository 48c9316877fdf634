import { defineScenario } from 'testbed';

// Four hosts; host0 is the route reflector, the others peer only with it. Each host announces its
// IPAM block (a /26, as Calico aggregates) backed by a blackhole route, instead of one /32 per
// workload; the /32s to local workloads stay more specific than the block.
const hosts = [0, 1, 2, 3].map((h) => ({
  name: `host${h}`,
  address: `192.168.1.${10 + h}`,
  workloads: [{ name: `ns${h}`, address: `10.20.${h}.2` }],
}));

export default defineScenario({
  name: 'route-reflector',
  description: 'BGP through one route reflector, per-host /26 blocks.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts,
  routing: 'bgp',
  bgp: { reflectors: ['host0'], block: 26 },
  steps: [
    { name: 'sessions to the reflector Established, every block learned', bgp: {} },
    // A client learns another client's block through the reflector, with that client as next hop.
    { route: { node: 'host1', to: '10.20.3.0/26', via: '192.168.1.13', proto: 'bird' } },
    { route: { node: 'host3', to: '10.20.1.0/26', via: '192.168.1.11', proto: 'bird' } },
    // Clients hold no session with each other: only the reflector's three and one each.
    {
      name: 'host1 peers with the reflector only',
      wait: { node: 'host1', command: ['sh', '-c', 'birdc show protocols | grep -c BGP | grep -qx 1'] },
    },
    ...hosts.flatMap((from) =>
      hosts
        .filter((to) => to !== from)
        .map((to) => ({
          ping: { from: from.workloads[0]!.name, to: to.workloads[0]!.name, count: 1 },
          expect: { ttl: 62, maxLoss: 0 },
        })),
    ),
  ],
});
