import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScenarioInput } from '../../src/steps/scenario.js';
import { FakeBackend, pingReplies, type Responder } from '../support/fake-backend.js';
import { validScenario } from './scenario-input.js';

const scenario: ScenarioInput = {
  ...validScenario(),
  name: 'fake-lab',
  steps: [{ ping: { from: 'ns0', to: 'ns1', count: 1 } }, { ping: { from: 'ns1', to: 'ns0', count: 1 } }],
};

const answering: Responder = (call) =>
  call.argv[0] === 'ping' ? { stdout: pingReplies(call.argv.at(-1)!, 1, 62) } : undefined;

/** The phases of a run as the backend sees them: what it was asked, in order (hosts are set up side by side). */
const PHASES = [
  'list',
  'probe',
  'claim fake-lab',
  'createLab fake-lab',
  'createHost host0',
  'createHost host1',
  'exec host0 sh',
  'exec host1 sh',
  'ready fake-lab',
  'exec ns0 ping',
  'exec ns1 ping',
];

/** The stage of the run an event belongs to: reaping, preflight, claim, creating the lab, its hosts, readiness, steps, teardown. */
const stageOf = (event: string) =>
  ['list', 'probe', 'claim', 'createLab', /^(createHost|exec host)/, 'ready', 'exec ns', 'destroy'].findIndex((s) =>
    typeof s === 'string' ? event.startsWith(s) : s.test(event),
  );

// The interrupt state is the process's: every test gets a fresh copy of the modules that hold it.
beforeEach(() => vi.resetModules());

async function session(backend: FakeBackend, keep = false) {
  const { LabSession } = await import('../../src/lab/session.js');
  return LabSession.open([{ file: 'fake.ts', scenario }], { backend, keep, handleSignals: true, progress: () => {} });
}

async function run(backend: FakeBackend, keep = false) {
  const opened = await session(backend, keep);
  return opened.run(opened.labs[0]!, { labReady: () => {}, stepDone: () => {} });
}

describe('a lab session', () => {
  it('goes through its phases in one order: reap, preflight, claim, build, ready, steps, teardown', async () => {
    const backend = new FakeBackend(answering);
    const report = await run(backend);
    expect(report.passed).toBe(true);
    expect(backend.events.slice(0, 4)).toEqual(PHASES.slice(0, 4));
    expect(backend.events.map(stageOf)).toEqual([...backend.events.map(stageOf)].sort());
    expect(backend.events.sort()).toEqual([...PHASES, 'destroy fake-lab'].sort());
  });

  it('keeps a lab it was asked to keep, and removes it when the steps fail to run all the same', async () => {
    const kept = new FakeBackend(answering);
    await run(kept, true);
    expect(kept.events.at(-1)).toBe('exec ns1 ping');
    expect(await kept.exists('fake-lab')).toBe(true);
  });

  it.for(PHASES)('a SIGTERM during "%s" ends the session and leaves nothing built', async (phase) => {
    const backend = new FakeBackend(answering, {
      onEvent: (event) => event === phase && process.emit('SIGTERM', 'SIGTERM'),
    });
    await expect(run(backend)).rejects.toThrow('interrupted by SIGTERM');
    expect(await backend.exists('fake-lab')).toBe(false);
    const claimed = backend.events.includes('claim fake-lab');
    expect(backend.events.at(-1)).toBe(claimed ? 'destroy fake-lab' : phase);
    // Nothing of a later stage runs after the signal: only the rest of its own stage (hosts set up side by side), then the teardown.
    const after = backend.events.slice(backend.events.indexOf(phase) + 1).filter((e) => e !== 'destroy fake-lab');
    expect(after.filter((e) => stageOf(e) !== stageOf(phase))).toEqual([]);
  });
});
