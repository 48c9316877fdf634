import { defineScenario } from 'testbed';

// Two workloads on one host: one routed hop (the host), so ttl 63.
export default defineScenario({
  name: 'same-host',
  description: "Two workloads on one host talk through the host's routing table.",
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    {
      name: 'host0',
      address: '192.168.1.32',
      workloads: [
        { name: 'ns0', address: '10.20.1.2' },
        { name: 'ns1', address: '10.20.1.3' },
      ],
    },
  ],
  steps: [
    { ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 63, maxLoss: 0 } },
    { ping: { from: 'ns1', to: 'ns0' }, expect: { ttl: 63, maxLoss: 0 } },
    { neighbour: { node: 'ns1', address: '169.254.1.1', lladdr: 'ee:ee:ee:ee:ee:ee' } },
  ],
});
