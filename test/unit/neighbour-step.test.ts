import { describe, expect, it } from 'vitest';
import { neighbour } from '../../src/steps/kinds/neighbour.js';
import { runStep, stepContext } from '../../src/steps/run-step.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import { FakeBackend } from '../support/fake-backend.js';
import { validScenario } from './scenario-input.js';

/** The neighbour step on ns0 against what `ip -j neigh show` prints there. */
async function neighbourWith(table: object[], expect: 'present' | 'absent') {
  const scenario = parseScenario('s.ts', {
    ...validScenario(),
    steps: [{ neighbour: { node: 'ns0', address: '169.254.1.1' }, expect }],
  });
  const backend = new FakeBackend((call) => (call.argv[0] === 'ip' ? { stdout: JSON.stringify(table) } : undefined));
  const result = await runStep(stepContext(backend, resolveTopology(scenario), []), scenario.steps[0]!, 0);
  return { passed: result.passed, figures: neighbour.figures(result.metrics, result.passed) };
}

describe('the neighbour step', () => {
  it('shows the MAC and state of a resolved entry', async () => {
    const result = await neighbourWith(
      [{ dst: '169.254.1.1', dev: 'eth0', lladdr: 'ee:ee:ee:ee:ee:ee', state: ['REACHABLE'] }],
      'present',
    );
    expect(result).toMatchObject({ passed: true, figures: 'lladdr ee:ee:ee:ee:ee:ee REACHABLE' });
  });

  it('counts an entry without a MAC as absent, and says it is there unresolved', async () => {
    const result = await neighbourWith([{ dst: '169.254.1.1', dev: 'eth0', state: ['FAILED'] }], 'absent');
    expect(result).toMatchObject({ passed: true, figures: 'FAILED, no lladdr' });
  });

  it('says so when there is no entry at all', async () => {
    const result = await neighbourWith([], 'present');
    expect(result).toMatchObject({ passed: false, figures: 'no entry' });
  });
});
