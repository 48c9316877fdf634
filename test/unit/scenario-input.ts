import { ScenarioError } from '../../src/errors.js';
import { parseScenario, type ScenarioInput } from '../../src/steps/scenario.js';

/** A valid two-host scenario as a test would write it, new on every call so that tests may change it. */
export const validScenario = (): ScenarioInput => ({
  name: 'lab',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }] },
    { name: 'host1', address: '192.168.1.16', workloads: [{ name: 'ns1', address: '10.20.1.3/24' }] },
  ],
  steps: [{ ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 62 } }],
});

/** The problems a scenario is refused with, as "path: message"; none when it is accepted. */
export function issuesOf(scenario: unknown): string[] {
  try {
    parseScenario('s.ts', scenario);
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}
