import { defineScenario } from 'testbed';

// Twenty hosts with one workload each on one segment, static routes between all of them.
const hosts = Array.from({ length: 20 }, (_, i) => ({
  name: `host${i}`,
  address: `192.168.1.${10 + i}`,
  workloads: [{ name: `ns${i}`, address: `10.20.${i}.2` }],
}));

export default defineScenario({
  name: 'hosts-20',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts,
  steps: [
    { ping: { from: 'ns0', to: 'ns19' }, expect: { ttl: 62, maxLoss: 0 } },
    { ping: { from: 'ns19', to: 'ns0' }, expect: { ttl: 62, maxLoss: 0 } },
  ],
});
