import { describe, expect, it } from 'vitest';
import { labState } from '../../src/backends/backend.js';
import { summarizeLabs } from '../../src/backends/docker/lab-containers.js';
import { currentOwner } from '../../src/util/owner.js';

const alive = (owner: string) => owner === 'living';

describe('the state ls shows', () => {
  it('calls a lab whose run is gone orphaned, however far its build got', () => {
    expect(labState(true, 'gone', alive)).toBe('orphaned');
    expect(labState(false, 'gone', alive)).toBe('orphaned');
  });

  it('tells a finished lab, one still being built, and an ownerless build that stopped', () => {
    expect(labState(true, 'living', alive)).toBe('complete');
    expect(labState(true, undefined, alive)).toBe('complete');
    expect(labState(false, 'living', alive)).toBe('building');
    expect(labState(false, undefined, alive)).toBe('partial');
  });
});

describe('labs found from their Docker containers', () => {
  const container = (labels: Record<string, string>) => ({ Labels: { 'testbed.lab': 'x', ...labels } }) as never;
  // A process of this boot that does not run: pids stop far below this one.
  const gone = `999999999:1@${currentOwner()!.split('@')[1]}`;

  it("judges a lab by a probe's process only while nothing else of the lab exists", () => {
    expect(summarizeLabs('docker', [container({ 'testbed.probe': gone })], [])).toEqual([
      { lab: 'x', backend: 'docker', nodes: [], owner: gone, state: 'orphaned' },
    ]);
    // A lab of `up` (no owner) is not another run's to reap, whatever that run's probe left.
    const up = [
      container({ 'testbed.node': 'host0', 'testbed.workloads': 'ns0' }),
      container({ 'testbed.probe': gone }),
    ];
    expect(summarizeLabs('docker', up, [])).toEqual([
      { lab: 'x', backend: 'docker', nodes: ['host0', 'ns0'], state: 'partial' },
    ]);
  });
});
