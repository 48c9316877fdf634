import { describe, expect, it } from 'vitest';
import type { ScenarioInput, StepInput } from '../../src/index.js';
import { parseScenario, validateStep } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import { issuesOf, validScenario } from './scenario-input.js';

/** The two-host lab, IPv4 only: host0, ns0, host1, ns1. */
const v4 = validScenario;

/** The two-host lab with IPv6 beside IPv4 on host1 and ns1 only; ns2, on host1, has IPv6 alone. */
function mixed(): ScenarioInput {
  const s = validScenario();
  s.segments[0]!.subnet6 = 'fd00:192:168:1::/64';
  s.hosts[1]!.address6 = 'fd00:192:168:1::16';
  s.hosts[1]!.workloads![0]!.address6 = 'fd00:10:20:1::3';
  s.hosts[1]!.workloads!.push({ name: 'ns2', address6: 'fd00:10:20:1::4' });
  return s;
}

/** Every node with both families. */
function dual(): ScenarioInput {
  const s = mixed();
  s.hosts[0]!.address6 = 'fd00:192:168:1::32';
  s.hosts[0]!.workloads![0]!.address6 = 'fd00:10:20:1::2';
  return s;
}

const withSteps = (lab: ScenarioInput, ...steps: StepInput[]) => ({ ...lab, steps });
const NO_IPV6 = 'no node of this lab has IPv6 (give hosts and workloads address6)';

/** A step that can never pass in its lab, and the issues (paths under `steps[0]`) it is refused with. */
const never: [string, () => ScenarioInput, StepInput, string[]][] = [
  // No node of the lab has IPv6: whatever names IPv6 is refused where it is written.
  [
    'ping to an IPv6 address',
    v4,
    { ping: { from: 'ns0', to: 'fd00::1' } },
    [`ping.to: fd00::1 is an IPv6 address, and ${NO_IPV6}`],
  ],
  [
    'ping over IPv6 to an IPv6 address',
    v4,
    { ping: { from: 'ns0', to: 'fd00::1', family: 6 } },
    [`ping.to: fd00::1 is an IPv6 address, and ${NO_IPV6}`],
  ],
  ['ping with family 6', v4, { ping: { from: 'ns0', to: 'ns1', family: 6 } }, [`ping.family: is 6, and ${NO_IPV6}`]],
  [
    'mtu to an IPv6 address',
    v4,
    { mtu: { from: 'host0', to: 'fd00::1' } },
    [`mtu.to: fd00::1 is an IPv6 address, and ${NO_IPV6}`],
  ],
  ['mtu with family 6', v4, { mtu: { from: 'ns0', to: 'ns1', family: 6 } }, [`mtu.family: is 6, and ${NO_IPV6}`]],
  ['trace with family 6', v4, { trace: { from: 'ns0', to: 'ns1', family: 6 } }, [`trace.family: is 6, and ${NO_IPV6}`]],
  [
    'iperf3 with family 6',
    v4,
    { iperf3: { from: 'ns0', to: 'ns1', family: 6 } },
    [`iperf3.family: is 6, and ${NO_IPV6}`],
  ],
  ['matrix of every workload with family 6', v4, { matrix: { family: 6 } }, [`matrix.family: is 6, and ${NO_IPV6}`]],
  [
    'matrix among nodes with family 6',
    v4,
    { matrix: { among: ['ns0', 'ns1'], family: 6 } },
    [`matrix.family: is 6, and ${NO_IPV6}`],
  ],
  [
    'route to an IPv6 prefix',
    v4,
    { route: { node: 'host0', to: 'fd00:10:20:1::/64' } },
    [`route.to: fd00:10:20:1::/64 is an IPv6 prefix, and ${NO_IPV6}`],
  ],
  [
    'IPv6 default route',
    v4,
    { route: { node: 'ns0', to: '::/0' } },
    [`route.to: ::/0 is an IPv6 prefix, and ${NO_IPV6}`],
  ],
  [
    'default route via an IPv6 gateway',
    v4,
    { route: { node: 'ns0', to: 'default', via: 'fe80::ecee:eeff:feee:eeee' } },
    [`route.via: fe80::ecee:eeff:feee:eeee is an IPv6 address, and ${NO_IPV6}`],
  ],
  [
    'neighbour with an IPv6 address',
    v4,
    { neighbour: { node: 'host0', address: 'fd00:192:168:1::16' } },
    [`neighbour.address: fd00:192:168:1::16 is an IPv6 address, and ${NO_IPV6}`],
  ],
  // The lab has IPv6, the node named does not: an IPv6 target or table.
  [
    'ping to an IPv6 address from an IPv4-only workload',
    mixed,
    { ping: { from: 'ns0', to: 'fd00:10:20:1::3' } },
    ['ping.to: fd00:10:20:1::3 is an IPv6 address, and ns0 has no address6: it can never be reached from there'],
  ],
  [
    'ping to an IPv6 address from an IPv4-only host',
    mixed,
    { ping: { from: 'host0', to: 'fd00:10:20:1::3' } },
    ['ping.to: fd00:10:20:1::3 is an IPv6 address, and host0 has no address6: it can never be reached from there'],
  ],
  [
    'mtu to an IPv6 address from an IPv4-only workload',
    mixed,
    { mtu: { from: 'ns0', to: 'fd00:10:20:1::3' } },
    ['mtu.to: fd00:10:20:1::3 is an IPv6 address, and ns0 has no address6: it can never be reached from there'],
  ],
  [
    'ping with family 6 between IPv4-only nodes',
    mixed,
    { ping: { from: 'ns0', to: 'host0', family: 6 } },
    ['ping.from: ns0 has no address6, which family 6 needs', 'ping.to: host0 has no address6, which family 6 needs'],
  ],
  [
    'trace with family 6 from an IPv4-only workload',
    mixed,
    { trace: { from: 'ns0', to: 'ns1', family: 6 } },
    ['trace.from: ns0 has no address6, which family 6 needs'],
  ],
  [
    'iperf3 with family 6 to an IPv4-only host',
    mixed,
    { iperf3: { from: 'ns1', to: 'host0', family: 6 } },
    ['iperf3.to: host0 has no address6, which family 6 needs'],
  ],
  [
    'matrix with family 6 among an IPv4-only workload',
    mixed,
    { matrix: { among: ['ns0', 'ns1'], family: 6 } },
    ['matrix.among[0]: ns0 has no address6, which family 6 needs'],
  ],
  [
    'a present IPv6 route on an IPv4-only host',
    mixed,
    { route: { node: 'host0', to: 'fd00:10:20:1::3' } },
    ['route.to: fd00:10:20:1::3 is an IPv6 address, and host0 has no address6: its IPv6 table holds no such route'],
  ],
  [
    'a default route via an IPv6 gateway on an IPv4-only workload',
    mixed,
    { route: { node: 'ns0', to: 'default', via: 'fe80::ecee:eeff:feee:eeee' } },
    [
      'route.via: fe80::ecee:eeff:feee:eeee is an IPv6 address, and ns0 has no address6: its IPv6 table holds no such route',
    ],
  ],
  [
    'an IPv6 neighbour of an IPv4-only workload',
    mixed,
    { neighbour: { node: 'ns0', address: 'fd00:10:20:1::3' } },
    [
      'neighbour.address: fd00:10:20:1::3 is an IPv6 address, and ns0 has no address6: its IPv6 neighbour table holds no such entry',
    ],
  ],
  // The node named has IPv6 alone: an IPv4 target or table.
  [
    'ping to an IPv4 address from an IPv6-only workload',
    mixed,
    { ping: { from: 'ns2', to: '10.20.1.2' } },
    ['ping.to: 10.20.1.2 is an IPv4 address, and ns2 has only an IPv6 address: it can never be reached from there'],
  ],
  [
    'mtu to an IPv4 address from an IPv6-only workload',
    mixed,
    { mtu: { from: 'ns2', to: '192.168.1.32' } },
    ['mtu.to: 192.168.1.32 is an IPv4 address, and ns2 has only an IPv6 address: it can never be reached from there'],
  ],
  [
    'ping over IPv4 from an IPv6-only workload',
    mixed,
    { ping: { from: 'ns2', to: 'ns1' } },
    ['ping.from: ns2 has only an IPv6 address: give family: 6'],
  ],
  [
    'iperf3 over IPv4 to an IPv6-only workload',
    mixed,
    { iperf3: { from: 'ns1', to: 'ns2' } },
    ['iperf3.to: ns2 has only an IPv6 address: give family: 6'],
  ],
  [
    'trace over IPv4 from an IPv6-only workload',
    mixed,
    { trace: { from: 'ns2', to: 'ns1' } },
    ['trace.from: ns2 has only an IPv6 address: give family: 6'],
  ],
  [
    'matrix over IPv4 among an IPv6-only workload',
    mixed,
    { matrix: { among: ['ns1', 'ns2'] } },
    ['matrix.among[1]: ns2 has only an IPv6 address: give family: 6'],
  ],
  [
    'an IPv4 route on an IPv6-only workload',
    mixed,
    { route: { node: 'ns2', to: '10.20.1.0/24' } },
    ['route.to: 10.20.1.0/24 is an IPv4 prefix, and ns2 has only an IPv6 address: its IPv4 table holds no such route'],
  ],
  [
    'an IPv4 default route on an IPv6-only workload',
    mixed,
    { route: { node: 'ns2', to: 'default' } },
    [
      "route.to: default is IPv4's default route (IPv6's is ::/0), and ns2 has only an IPv6 address: its IPv4 table holds no such route",
    ],
  ],
  [
    'an IPv4 neighbour of an IPv6-only workload',
    mixed,
    { neighbour: { node: 'ns2', address: '169.254.1.1' } },
    [
      'neighbour.address: 169.254.1.1 is an IPv4 address, and ns2 has only an IPv6 address: its IPv4 neighbour table holds no such entry',
    ],
  ],
  // Family 6 names IPv6 addresses only.
  [
    'ping over IPv6 to an IPv4 address',
    dual,
    { ping: { from: 'ns0', to: '10.20.1.3', family: 6 } },
    ['ping.to: is an IPv4 address, and family 6 names IPv6 ones'],
  ],
  [
    'mtu over IPv6 to an IPv4 address',
    dual,
    { mtu: { from: 'ns0', to: '10.20.1.3', family: 6 } },
    ['mtu.to: is an IPv4 address, and family 6 names IPv6 ones'],
  ],
];

/** Steps that can pass in their lab. */
const possible: [string, () => ScenarioInput, StepInput][] = [
  ['ping to an IPv4 address in an IPv4-only lab', v4, { ping: { from: 'ns0', to: '10.20.1.3' } }],
  [
    'an absent IPv6 route in an IPv4-only lab: it passes',
    v4,
    { route: { node: 'host0', to: 'fd00::/64' }, expect: 'absent' },
  ],
  [
    'an absent IPv6 neighbour in an IPv4-only lab',
    v4,
    { neighbour: { node: 'host0', address: 'fd00::1' }, expect: 'absent' },
  ],
  ["a link-local route on an IPv4-only host: the kernel's own", v4, { route: { node: 'host0', to: 'fe80::/64' } }],
  ["a multicast route on an IPv4-only host: the kernel's own", v4, { route: { node: 'host0', to: 'ff00::/8' } }],
  ['an IPv4 default route on an IPv4-only workload', v4, { route: { node: 'ns0', to: 'default' } }],
  ['ping to an IPv6 address from a dual-stack workload', mixed, { ping: { from: 'ns1', to: 'fd00:10:20:1::4' } }],
  ['ping to an IPv4 address from a dual-stack workload', mixed, { ping: { from: 'ns1', to: '10.20.1.2' } }],
  [
    'ping to an IPv6 address from an IPv6-only workload, no family needed',
    mixed,
    { ping: { from: 'ns2', to: 'fd00:10:20:1::3' } },
  ],
  ['mtu over IPv6 from an IPv6-only workload', mixed, { mtu: { from: 'ns2', to: 'host1', family: 6 } }],
  ['trace over IPv6 between dual-stack nodes', mixed, { trace: { from: 'ns1', to: 'ns2', family: 6 } }],
  ['iperf3 over IPv6 to an IPv6-only workload', mixed, { iperf3: { from: 'ns1', to: 'ns2', family: 6 } }],
  ['matrix of every workload with IPv6', mixed, { matrix: { family: 6 } }],
  ['a present IPv6 route on a dual-stack host', mixed, { route: { node: 'host1', to: 'fd00:10:20:1::3' } }],
  [
    'an IPv6 default route on an IPv6-only workload',
    mixed,
    { route: { node: 'ns2', to: 'default', via: 'fe80::ecee:eeff:feee:eeee' } },
  ],
  ['an IPv6 neighbour of a dual-stack host', mixed, { neighbour: { node: 'host1', address: 'fd00:192:168:1::32' } }],
  ['an IPv4 neighbour of a dual-stack workload', mixed, { neighbour: { node: 'ns1', address: '169.254.1.1' } }],
  ['ping to an IPv6 address in a dual-stack lab', dual, { ping: { from: 'ns0', to: 'fd00:10:20:1::3' } }],
  ['ping over IPv6 by name in a dual-stack lab', dual, { ping: { from: 'ns0', to: 'ns1', family: 6 } }],
  ['ping to an IPv4 address in a dual-stack lab', dual, { ping: { from: 'ns0', to: '10.20.1.3' } }],
  ['trace over IPv4 in a dual-stack lab', dual, { trace: { from: 'ns0', to: 'ns1' } }],
];

describe('a step that names an address of a family its lab or node lacks can never pass: refused before anything is built', () => {
  it.each(never)('%s', (_, lab, step, issues) => {
    expect(issuesOf(withSteps(lab(), step))).toEqual(issues.map((i) => `steps[0].${i}`));
  });

  it.each(never)('the library judges the same: %s', (_, lab, step, issues) => {
    const topology = resolveTopology(parseScenario('s.ts', withSteps(lab())));
    const found = validateStep(step, topology).issues.map((i) => `${i.path}: ${i.message}`);
    expect(found).toEqual(issues.map((i) => `step.${i}`));
  });

  it.each(possible)('accepts %s', (_, lab, step) => {
    expect(issuesOf(withSteps(lab(), step))).toEqual([]);
  });
});
