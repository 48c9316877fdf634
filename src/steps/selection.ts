import { kindOf, type Step } from './registry.js';
import type { Topology } from '../topology/topology.js';
import { stepName } from './run-step.js';

/** A step as selection sees it: what it is, and the name it is reported under. */
export interface NamedStep {
  step: Step;
  name: string;
}

/** Which steps a run chooses, and how what it leaves out is reported. */
export interface Choice {
  /** Per step: chosen by the user (or by the command: `check` chooses the checks). */
  wanted: boolean[];
  /**
   * Per step: may run although not wanted, because a wanted step depends on it: an action whose
   * effect a wanted step observes (or that ends an effect that runs), or a check that waits for a
   * state (a `within`) before a wanted step.
   */
  pullable: boolean[];
  /** Why a step that is not run was not chosen. */
  notChosen: string;
  /** Why a chosen step inside the effect of a step that is not run (its number given) cannot run either. */
  effectNotMade: (step: number) => string;
  /** Why a chosen step after an effect that runs, but whose end does not, cannot run. */
  effectNotEnded: (step: number, end: number) => string;
}

/**
 * Pure: per step index, why it is not run. A chosen step that observes a fault (between the step
 * that sets it and the one that clears it) brings both along where they may be pulled in, and a
 * fault that runs brings its end; where they may not, what would observe a lab it was not written
 * for is not run. Checks that wait for a state before a chosen step come along too.
 */
export function chooseSteps(steps: Step[], choice: Choice): Map<number, string> {
  const chosen = [...choice.wanted];
  const windows = effectWindows(steps);
  const pull = (i: number | undefined) => {
    if (i === undefined || chosen[i] || !choice.pullable[i]) return false;
    return (chosen[i] = true);
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const w of windows) {
      if (w.inside.some((i) => chosen[i]) && pull(w.set)) changed = true;
      if (chosen[w.set] && pull(w.clear)) changed = true;
    }
    const last = chosen.lastIndexOf(true);
    for (const [i, step] of steps.entries()) {
      const inMadeEffects = windows.every((w) => !w.inside.includes(i) || chosen[w.set]);
      if (i < last && waits(step) && inMadeEffects && pull(i)) changed = true;
    }
  }
  return reasons(steps, chosen, windows, choice);
}

/** A check that retries until a state is reached: what follows it may rely on that state. */
function waits(step: Step): boolean {
  const kind = kindOf(step);
  return kind.role === 'check' && (step.within ?? kind.within) !== undefined;
}

function reasons(steps: Step[], chosen: boolean[], windows: EffectWindow[], choice: Choice): Map<number, string> {
  const skips = new Map<number, string>();
  steps.forEach((_, i) => {
    if (!chosen[i]) skips.set(i, choice.notChosen);
  });
  const skip = (i: number, why: string) => {
    if (chosen[i] && !skips.has(i)) skips.set(i, why);
  };
  for (const w of windows) {
    if (!chosen[w.set]) {
      for (const i of [...w.inside, ...(w.clear === undefined ? [] : [w.clear])])
        skip(i, choice.effectNotMade(w.set + 1));
    } else if (w.clear !== undefined && !chosen[w.clear]) {
      for (let i = w.clear + 1; i < steps.length; i++) skip(i, choice.effectNotEnded(w.set + 1, w.clear + 1));
    }
  }
  return skips;
}

interface EffectWindow {
  /** The step that sets the effect. */
  set: number;
  /** The steps that run while it lasts. */
  inside: number[];
  /** The step that clears it; none when it lasts to the end. */
  clear?: number;
}

function effectWindows(steps: Step[]): EffectWindow[] {
  const windows: (EffectWindow & { key: string })[] = [];
  let open: typeof windows = [];
  steps.forEach((step, index) => {
    const effect = kindOf(step).effect?.(step);
    if (effect && 'clears' in effect) {
      for (const w of open) if (w.key === effect.clears) w.clear = index;
      open = open.filter((w) => w.key !== effect.clears);
    }
    for (const w of open) w.inside.push(index);
    if (effect && 'sets' in effect) {
      const w = { key: effect.sets, set: index, inside: [] };
      open.push(w);
      windows.push(w);
    }
  });
  return windows;
}

/** `--test` patterns split: a glob on a step's name or kind, or a step's number; a leading `!` excludes. */
export interface StepPatterns {
  include: string[];
  exclude: string[];
}

export function parsePatterns(patterns: readonly string[]): StepPatterns {
  return {
    include: patterns.filter((p) => !p.startsWith('!')),
    exclude: patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
  };
}

/** Whether a pattern names the step: its number (1-based), or a glob (`*`, `?`) over its whole name or its kind. */
export function matches(pattern: string, step: NamedStep, index: number): boolean {
  if (/^\d+$/.test(pattern)) return Number(pattern) === index + 1;
  const glob = new RegExp(
    `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    's',
  );
  return glob.test(step.name) || glob.test(kindOf(step.step).key);
}

/**
 * Pure: the steps `--test` chooses: those an including pattern names (every step when there is
 * none), less those an excluding pattern names. An excluded fault is never pulled in.
 */
export function selectByPatterns(steps: NamedStep[], patterns: StepPatterns): Map<number, string> {
  const named = (list: string[], s: NamedStep, i: number) => list.some((p) => matches(p, s, i));
  const excluded = steps.map((s, i) => named(patterns.exclude, s, i));
  return chooseSteps(
    steps.map((s) => s.step),
    {
      wanted: steps.map((s, i) => (patterns.include.length === 0 || named(patterns.include, s, i)) && !excluded[i]),
      pullable: excluded.map((out) => !out),
      notChosen: 'not selected by --test',
      effectNotMade: (step) => `it observes what step ${step} changes, which --test leaves out`,
      effectNotEnded: (step, end) => `step ${step}'s change lasts: step ${end}, which ends it, is left out by --test`,
    },
  );
}

/** Pure: the patterns that name no step of any of the scenarios (each list a scenario's steps). */
export function unmatchedPatterns(scenarios: NamedStep[][], patterns: StepPatterns): string[] {
  const used = (p: string) => scenarios.some((steps) => steps.some((s, i) => matches(p, s, i)));
  return [...patterns.include.filter((p) => !used(p)), ...patterns.exclude.filter((p) => !used(p)).map((p) => `!${p}`)];
}

/** Pure: what `testbed check` runs against a running lab: the checks, except those observing a fault it does not make. */
export function selectChecks(steps: Step[]): Map<number, string> {
  return chooseSteps(steps, {
    wanted: steps.map((s) => kindOf(s).role === 'check'),
    pullable: steps.map(() => false),
    notChosen: 'changes the lab: testbed check runs only checks',
    effectNotMade: (step) => `it observes what step ${step} changes, which testbed check does not run`,
    effectNotEnded: (step, end) => `step ${step}'s change lasts: testbed check does not run step ${end}, which ends it`,
  });
}

/**
 * Pure: per step index, why a run leaves it out: `--test` patterns, and for a lab that runs
 * already (`checksOnly`) every action and what observes it.
 */
export function stepsNotRun(steps: NamedStep[], patterns: StepPatterns, checksOnly: boolean): Map<number, string> {
  const skips = checksOnly ? selectChecks(steps.map((s) => s.step)) : new Map<number, string>();
  for (const [index, why] of selectByPatterns(steps, patterns)) if (!skips.has(index)) skips.set(index, why);
  return skips;
}

/** A scenario's steps with the names they are reported under. */
export function namedSteps(spec: { steps: Step[]; topology: Topology }): NamedStep[] {
  return spec.steps.map((step) => ({ step, name: stepName(spec, step) }));
}
