import { describe, expect, it } from 'vitest';
import { runStep, stepContext } from '../../src/steps/run-step.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import { caliName } from '../../src/topology/names.js';
import { FakeBackend } from '../support/fake-backend.js';
import { issuesOf, validScenario } from './scenario-input.js';

describe('the wait step with a command', () => {
  it("runs the command with {veth:…} as the workload's host-side veth", async () => {
    const scenario = parseScenario('s.ts', {
      ...validScenario(),
      steps: [{ wait: { node: 'host0', command: ['sysctl', '-w', 'net.ipv4.conf.{veth:ns0}.proxy_arp=0'] } }],
    });
    const topology = resolveTopology(scenario);
    const backend = new FakeBackend(() => ({ stdout: '' }));
    const result = await runStep(stepContext(backend, topology, []), scenario.steps[0]!, 0);
    expect(result.passed).toBe(true);
    expect(backend.commandsOn('host0')).toEqual([
      `sysctl -w net.ipv4.conf.${caliName(topology.lab, 'host0', 'ns0')}.proxy_arp=0`,
    ]);
  });

  it('refuses a {veth:…} of no workload before anything is built', () => {
    const s = validScenario();
    s.steps = [{ wait: { node: 'host0', command: ['ip', 'link', 'set', '{veth:nope}', 'down'] } }];
    expect(issuesOf(s)).toEqual(['steps[0].wait.command[3]: {veth:nope} names no workload']);
  });
});
