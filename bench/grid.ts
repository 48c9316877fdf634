import type { ScenarioInput } from '../src/index.js';

/** N hosts x W workloads on one /16 segment, addressed as bench/floor.sh addresses them. */
export function gridScenario(
  n: number,
  w: number,
  routing: 'static' | 'bgp' = 'static',
  reflector = false,
): ScenarioInput {
  return {
    name: `grid-${n}x${w}`,
    // Not 192.168.x: a docker lab's network must not overlap the scenarios' 192.168.1.0/24.
    segments: [{ name: 'ens192', subnet: '10.254.0.0/16', gateway: '10.254.255.254' }],
    routing,
    ...(reflector ? { bgp: { reflectors: ['h0'] } } : {}),
    hosts: Array.from({ length: n }, (_, h) => ({
      name: `h${h}`,
      address: `10.254.${Math.floor(h / 200)}.${(h % 200) + 10}`,
      workloads: Array.from({ length: w }, (_, k) => ({
        name: `w${h}-${k}`,
        address: `10.${20 + Math.floor(h / 250)}.${h % 250}.${k + 2}`,
      })),
    })),
  };
}
