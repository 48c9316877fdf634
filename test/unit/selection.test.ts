import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/lab/load.js';
import {
  matches,
  namedSteps,
  parsePatterns,
  selectByPatterns,
  selectChecks,
  stepsNotRun,
  unmatchedPatterns,
  type NamedStep,
} from '../../src/steps/selection.js';
import { STEP_KINDS } from '../../src/steps/registry.js';

const faults = namedSteps(await loadLab('scenarios/faults.ts'));
const twoHost = namedSteps(await loadLab('scenarios/two-host.ts'));
const lessonSpec = await loadLab('scenarios/teaching/1-proxy-arp-off.ts');
const lesson = namedSteps(lessonSpec);
const lessonTopology = lessonSpec.topology;

/** The 1-based numbers of the steps that run. */
const running = (steps: NamedStep[], skips: Map<number, string>) =>
  steps.flatMap((_, i) => (skips.has(i) ? [] : [i + 1]));

describe('--test: which steps a pattern names', () => {
  const step = twoHost[0]!;

  it('a glob over the whole name or the kind, or the step number', () => {
    expect(step.name).toBe('ns0 reaches ns1 across two routed hops');
    expect(matches('ns0*', step, 0)).toBe(true);
    expect(matches('ns0', step, 0)).toBe(false);
    expect(matches('*routed*', step, 0)).toBe(true);
    expect(matches('ns? reaches*', step, 0)).toBe(true);
    expect(matches('ping', step, 0)).toBe(true);
    expect(matches('pin', step, 0)).toBe(false);
    expect(matches('1', step, 0)).toBe(true);
    expect(matches('2', step, 0)).toBe(false);
  });

  it('every other character is itself, not a regular expression', () => {
    const dotted = { ...step, name: 'a.b (c) [d] +e $f ^g \\h |i' };
    expect(matches('a.b (c) [d] +e $f ^g \\h |i', dotted, 0)).toBe(true);
    expect(matches('a?b*', dotted, 0)).toBe(true);
    expect(matches('axb*', dotted, 0)).toBe(false);
    expect(matches('.*', { ...step, name: 'anything' }, 0)).toBe(false);
  });

  it('"!" excludes; with only exclusions every other step runs', () => {
    expect(parsePatterns(['ping', '!*ns1*', '3'])).toEqual({ include: ['ping', '3'], exclude: ['*ns1*'] });
    const skips = selectByPatterns(twoHost, parsePatterns(['!ping']));
    expect(running(twoHost, skips)).toEqual([3, 4, 5, 6, 7]);
    expect(skips.get(0)).toBe('not selected by --test');
  });

  it('inclusions and exclusions combine: named, less excluded', () => {
    const skips = selectByPatterns(twoHost, parsePatterns(['ping', 'route', '!ns1*', '!5']));
    expect(running(twoHost, skips)).toEqual([1, 4]);
  });

  it('a pattern naming nothing in any scenario is reported, an exclusion with its "!"', () => {
    expect(unmatchedPatterns([twoHost, faults], parsePatterns(['ping', 'netem', 'pnig', '!bgp', '!nothing']))).toEqual([
      'pnig',
      '!nothing',
    ]);
    expect(unmatchedPatterns([twoHost], parsePatterns([]))).toEqual([]);
  });
});

describe('faults come along with what observes them', () => {
  it('a check inside a fault runs with the step that makes it and the one that ends it', () => {
    // faults.ts: 3 netem on, 4 delay shows, 5 netem off; 7 link down, 8 unreachable, 9 link up.
    expect(faults[3]!.name).toBe('delay shows in the rtt');
    // Step 1 (bgp) waits for the mesh to converge: what follows relies on it.
    expect(running(faults, selectByPatterns(faults, parsePatterns(['delay shows*'])))).toEqual([1, 3, 4, 5]);
    expect(running(faults, selectByPatterns(faults, parsePatterns(['8'])))).toEqual([1, 7, 8, 9]);
  });

  it('a check after the fault ended needs nothing of it, only the checks that wait before it', () => {
    expect(running(faults, selectByPatterns(faults, parsePatterns(['delay gone'])))).toEqual([1, 6]);
  });

  it('a waiting check inside a fault that does not run stays out: it would pull the fault in', () => {
    // 12 waits for a withdrawn route (within 10) while BIRD is stopped (11-14); 15 waits for the mesh.
    expect(running(faults, selectByPatterns(faults, parsePatterns(['16'])))).toEqual([1, 10, 15, 16]);
    expect(running(faults, selectByPatterns(faults, parsePatterns(['13'])))).toEqual([1, 10, 11, 12, 13, 14]);
  });

  it('a fault that runs brings its end, unless a "!" leaves the end out: then what follows does not run', () => {
    const skips = selectByPatterns(faults, parsePatterns(['!linkUp']));
    expect(running(faults, skips)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(skips.get(9)).toBe("step 7's change lasts: step 9, which ends it, is left out by --test");
    expect(running(faults, selectByPatterns(faults, parsePatterns(['link down*', '10'])))).toEqual([1, 7, 9, 10]);
  });

  it('"!" wins over what a chosen step would bring along', () => {
    const skips = selectByPatterns(faults, parsePatterns(['ns1 unreach*', '!link up*', '!bgp']));
    expect(running(faults, skips)).toEqual([7, 8]);
  });

  it('an excluded fault is never pulled in: what observes it does not run either, and says why', () => {
    const skips = selectByPatterns(faults, parsePatterns(['ping', '!netem']));
    expect(running(faults, skips)).not.toContain(4);
    expect(skips.get(3)).toBe('it observes what step 3 changes, which --test leaves out');
    expect(skips.get(2)).toBe('not selected by --test');
    // The other faults still come along with their pings.
    expect(running(faults, skips)).toEqual(expect.arrayContaining([7, 8, 9, 11, 13, 14]));
  });

  it('selecting the fault alone runs the fault and its end, nothing that observes it', () => {
    expect(running(faults, selectByPatterns(faults, parsePatterns(['linkDown', 'linkUp'])))).toEqual([1, 7, 9]);
  });
});

describe('a command step may change the lab: what follows it may depend on it', () => {
  // The lesson: 1-2 BEFORE checks, 3-4 BREAK commands (wait steps), 5-11 questions, 12 HEAL, 13 AFTER.
  it('choosing a question brings the commands before it along', () => {
    expect(lesson[4]!.name).toMatch(/^Q1:/);
    expect(running(lesson, selectByPatterns(lesson, parsePatterns(['Q1*'])))).toEqual([3, 4, 5]);
    expect(running(lesson, selectByPatterns(lesson, parsePatterns(['AFTER*'])))).toEqual([3, 4, 12, 13]);
  });

  it('check runs only what comes before the first command', () => {
    const skips = selectChecks(lesson.map((s) => s.step));
    expect(running(lesson, skips)).toEqual([1, 2]);
    expect(skips.get(12)).toBe('it observes what step 3 changes, which testbed check does not run');
  });

  it('a pause changes nothing: what follows it stands alone', () => {
    const steps = namedSteps({ topology: lessonTopology, steps: [{ wait: { seconds: 1 } }, twoHost[0]!.step] });
    expect(running(steps, selectByPatterns(steps, parsePatterns(['ping'])))).toEqual([2]);
  });
});

describe('testbed check: the checks only', () => {
  it('runs every check outside a fault, and no action', () => {
    const skips = selectChecks(faults.map((s) => s.step));
    expect(running(faults, skips)).toEqual([1, 2, 6, 10, 15, 16, 17]);
    expect(skips.get(2)).toBe('changes the lab: testbed check runs only checks');
    expect(skips.get(7)).toBe('it observes what step 7 changes, which testbed check does not run');
    expect(skips.get(11)).toBe('it observes what step 11 changes, which testbed check does not run');
  });

  it('with --test, a check that the patterns leave out does not run either', () => {
    const skips = stepsNotRun(faults, parsePatterns(['ping']), true);
    // The checks that wait for the mesh (1, 15) come along, as with run.
    expect(running(faults, skips)).toEqual([1, 2, 6, 10, 15, 16]);
  });

  it('every kind says whether it only observes the lab', () => {
    const roles = Object.fromEntries(Object.values(STEP_KINDS).map((k) => [k.key, k.role]));
    expect(roles).toMatchObject({ ping: 'check', matrix: 'check', iperf3: 'check', wait: 'action', netem: 'action' });
    // An action changes the lab: a kind that marks a fault is always one.
    for (const kind of Object.values(STEP_KINDS)) if ('effect' in kind) expect(kind.role).toBe('action');
  });
});
