import { defineScenario } from 'testbed';

// BGP convergence at scale: HOSTS hosts (default 3) with one workload each, a full mesh or, with
// REFLECTOR=1, one route reflector (host0). Run: HOSTS=30 REFLECTOR=1 testbed run bench/scenarios/bgp-scale.ts --json
const count = Number(process.env.HOSTS ?? 3);
const reflector = process.env.REFLECTOR === '1';

export default defineScenario({
  name: `bgp-${reflector ? 'rr' : 'mesh'}-${count}`,
  segments: [{ name: 'ens192', subnet: '192.168.0.0/22' }],
  hosts: Array.from({ length: count }, (_, i) => ({
    name: `host${i}`,
    address: `192.168.${Math.floor((10 + i) / 256)}.${(10 + i) % 256}`,
    workloads: [{ name: `ns${i}`, address: `10.20.${i}.2` }],
  })),
  routing: 'bgp',
  bgp: { reflectors: reflector ? ['host0'] : [] },
  steps: [{ name: 'converged', bgp: {}, within: 120 }],
});
