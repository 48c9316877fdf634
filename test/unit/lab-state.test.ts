import { describe, expect, it } from 'vitest';
import { labState } from '../../src/backends/backend.js';

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
