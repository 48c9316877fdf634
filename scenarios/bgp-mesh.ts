import { defineScenario } from 'testbed';

// The seed's "proto bird": three hosts learn each other's workload routes over a Calico-like
// node-to-node BGP mesh (BIRD 2, AS 64512). Every pair of workloads is then checked — ttl 62 across
// hosts, 63 on one host — and every route to a remote workload must come from BIRD.
const hosts = [0, 1, 2].map((h) => ({
  name: `host${h}`,
  address: `192.168.1.${10 + h}`,
  workloads: [1, 2].map((w) => ({ name: `ns${h}${w}`, address: `10.20.${h}.${w + 1}` })),
}));
const workloads = hosts.flatMap((h) => h.workloads.map((w) => ({ ...w, host: h.name })));

export default defineScenario({
  name: 'bgp-mesh',
  description: 'Three hosts, two workloads each, routes learned by a BGP full mesh.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts,
  routing: 'bgp',
  steps: [
    { name: 'every BGP session Established, every remote workload route learned', bgp: {} },
    ...hosts.flatMap((host) =>
      workloads
        .filter((w) => w.host !== host.name)
        .map((w) => ({
          route: { node: host.name, to: w.address, via: hosts.find((h) => h.name === w.host)!.address, proto: 'bird' },
        })),
    ),
    ...workloads.flatMap((from) =>
      workloads
        .filter((to) => to !== from)
        .map((to) => ({
          ping: { from: from.name, to: to.name, count: 1 },
          expect: { ttl: from.host === to.host ? 63 : 62, maxLoss: 0 },
        })),
    ),
    { name: 'the same, as one matrix: ttl follows the topology', matrix: {} },
    { iperf3: { from: 'ns01', to: 'ns21', duration: 1 }, expect: { minBitsPerSecond: 1e8 } },
  ],
});
