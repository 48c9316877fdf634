import { describe, expect, it } from 'vitest';
import type { ScenarioInput, StepInput } from '../../src/index.js';
import { issuesOf, validScenario } from './scenario-input.js';

/** The two-host lab with IPv6 beside IPv4 on host1 and ns1 only; ns2, on host1, has IPv6 alone. */
function mixed(): ScenarioInput {
  const s = validScenario();
  s.segments[0]!.subnet6 = 'fd00:192:168:1::/64';
  s.hosts[1]!.address6 = 'fd00:192:168:1::16';
  s.hosts[1]!.workloads!.push({ name: 'ns2', address6: 'fd00:10:20:1::4' });
  s.hosts[1]!.workloads![0]!.address6 = 'fd00:10:20:1::3';
  return s;
}

const withSteps = (lab: ScenarioInput, ...steps: StepInput[]) => ({ ...lab, steps });

describe('a step whose target its sender can never reach is a bad scenario, judged before anything is built', () => {
  it.each<[string, StepInput, string]>([
    [
      'ping to an IPv6 address from an IPv4-only workload',
      { ping: { from: 'ns0', to: 'fd00:10:20:1::3' } },
      'steps[0].ping.to: fd00:10:20:1::3 is an IPv6 address, and ns0 has none (no address6): it can never be reached from there',
    ],
    [
      'ping to an IPv6 address from an IPv4-only host',
      { ping: { from: 'host0', to: 'fd00:10:20:1::3' } },
      'steps[0].ping.to: fd00:10:20:1::3 is an IPv6 address, and host0 has none (no address6): it can never be reached from there',
    ],
    [
      'mtu to an IPv6 address from an IPv4-only workload',
      { mtu: { from: 'ns0', to: 'fd00:10:20:1::3' } },
      'steps[0].mtu.to: fd00:10:20:1::3 is an IPv6 address, and ns0 has none (no address6): it can never be reached from there',
    ],
    [
      'a present IPv6 route on an IPv4-only host',
      { route: { node: 'host0', to: 'fd00:10:20:1::3' } },
      'steps[0].route.to: fd00:10:20:1::3 is IPv6, and host0 has no address6: its IPv6 table holds no such route',
    ],
    [
      'family 6 from a node without address6',
      { ping: { from: 'ns0', to: 'ns1', family: 6 } },
      'steps[0].ping.from: ns0 has no address6, which family 6 needs',
    ],
  ])('%s', (_, step, issue) => {
    expect(issuesOf(withSteps(mixed(), step))).toEqual([issue]);
  });

  it('in an IPv4-only lab, an IPv6 target is refused for every sender', () => {
    expect(issuesOf(withSteps(validScenario(), { ping: { from: 'ns0', to: 'fd00::1' } }))).toEqual([
      'steps[0].ping.to: fd00::1 is an IPv6 address, and ns0 has none (no address6): it can never be reached from there',
    ]);
  });

  it.each<[string, StepInput]>([
    ['IPv6 from a dual-stack workload', { ping: { from: 'ns1', to: 'fd00:10:20:1::4', family: 6 } }],
    ['IPv4 from a dual-stack workload', { ping: { from: 'ns1', to: '10.20.1.2' } }],
    ['IPv6 from an IPv6-only workload', { mtu: { from: 'ns2', to: 'fd00:10:20:1::3', family: 6 } }],
    [
      'an absent IPv6 route on an IPv4-only host: it can pass',
      { route: { node: 'host0', to: 'fd00:10:20:1::3' }, expect: 'absent' },
    ],
    ['a present IPv6 route on a dual-stack host', { route: { node: 'host1', to: 'fd00:10:20:1::3' } }],
    ['a link-local route on an IPv4-only host: the kernel has it', { route: { node: 'host0', to: 'fe80::/64' } }],
  ])('accepts %s', (_, step) => {
    expect(issuesOf(withSteps(mixed(), step))).toEqual([]);
  });
});
