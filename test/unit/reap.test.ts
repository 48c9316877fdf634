import { describe, expect, it } from 'vitest';
import type { Backend, LabSummary } from '../../src/backends/backend.js';
import { reapOrphans } from '../../src/lab/reap.js';

/** A backend holding `labs`, recording what the reaper asks of it; removing `stuck` fails. */
function backendWith(labs: LabSummary[], stuck?: string) {
  const asked: string[] = [];
  const backend = {
    profile: { name: 'fake' },
    list: () => Promise.resolve(labs),
    destroy: (lab: string) => {
      asked.push(`destroy ${lab}`);
      return lab === stuck ? Promise.reject(new Error('network has active endpoints')) : Promise.resolve(true);
    },
    tidy: () => {
      asked.push('tidy');
      return Promise.resolve();
    },
  } as unknown as Backend;
  return { backend, asked };
}

describe('reaping', () => {
  it('removes only orphaned labs, then lets the backend tidy', async () => {
    const { backend, asked } = backendWith([
      { lab: 'gone', backend: 'fake', nodes: [], owner: '1:1@x', state: 'orphaned' },
      { lab: 'kept', backend: 'fake', nodes: [], state: 'complete' },
      { lab: 'stopped', backend: 'fake', nodes: [], state: 'partial' },
    ]);
    const said: string[] = [];
    await reapOrphans([backend], (m) => said.push(m));
    expect(asked).toEqual(['destroy gone', 'tidy']);
    expect(said).toEqual(['removed lab gone on fake: the run that made it (pid 1) is gone']);
  });

  it("a leftover that will not go is said, and neither stops the command nor the other labs' removal", async () => {
    const { backend, asked } = backendWith(
      [
        { lab: 'stuck', backend: 'fake', nodes: [], owner: '1:1@x', state: 'orphaned' },
        { lab: 'gone', backend: 'fake', nodes: [], owner: '2:1@x', state: 'orphaned' },
      ],
      'stuck',
    );
    const said: string[] = [];
    await reapOrphans([backend], (m) => said.push(m));
    expect(asked).toEqual(['destroy stuck', 'destroy gone', 'tidy']);
    expect(said).toEqual([
      'could not remove lab stuck on fake (the run that made it (pid 1) is gone): network has active endpoints',
      'removed lab gone on fake: the run that made it (pid 2) is gone',
    ]);
  });

  it('tidies also where no lab is left at all (a run killed before its lab had anything)', async () => {
    const { backend, asked } = backendWith([]);
    await reapOrphans([backend], () => {});
    expect(asked).toEqual(['tidy']);
  });
});
