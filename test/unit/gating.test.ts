import { describe, expect, it } from 'vitest';
import { parseRequired, skipSummary, verdict, type Ability } from '../support/gating.js';

const missing = new Map<Ability, string>([
  ['swarm', 'no engines'],
  ['bird', 'no bird, birdc in PATH'],
]);

describe('the gate of tests that need abilities', () => {
  it('runs a group that lacks nothing', () => {
    expect(verdict(['netns', 'docker'], missing, new Set())).toEqual({ run: true });
  });

  it('skips a group that lacks what the machine need not have, with every reason', () => {
    expect(verdict(['netns', 'bird', 'swarm'], missing, new Set(['netns']))).toEqual({
      run: false,
      skip: 'bird: no bird, birdc in PATH; swarm: no engines',
    });
  });

  it('fails a group that lacks what TESTBED_REQUIRE names, naming it', () => {
    expect(verdict(['netns', 'bird'], missing, new Set(['bird']))).toEqual({
      run: false,
      fail: 'TESTBED_REQUIRE names bird, which this machine lacks (bird: no bird, birdc in PATH)',
    });
  });

  it('reads TESTBED_REQUIRE: names, all, nothing; a name that is no ability is an error', () => {
    expect([...parseRequired('netns, docker,bird')]).toEqual(['netns', 'docker', 'bird']);
    expect(parseRequired('all').size).toBe(5);
    expect(parseRequired(undefined).size).toBe(0);
    expect(parseRequired('').size).toBe(0);
    expect(() => parseRequired('netns,dokcer')).toThrow(
      'TESTBED_REQUIRE names "dokcer", which is no ability (abilities: netns, docker, swarm, bird, browser, or all)',
    );
  });

  it('sums up what was skipped by what it lacked, each reason once', () => {
    expect(skipSummary([])).toBeUndefined();
    expect(
      skipSummary([
        'swarm: no engines',
        'swarm: no engines',
        'bird: no bird; swarm: no engines',
        'swarm: no engines',
        undefined,
        'the kernel has no IPIP',
      ]),
    ).toBe(
      'skipped: 3 swarm tests, 1 bird+swarm test, 1 test (no reason given), 1 test (the kernel has no IPIP) (swarm: no engines; bird: no bird)',
    );
  });
});
