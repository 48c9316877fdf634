import type { Backend, BackendProfile, Progress } from '../backends/backend.js';
import { selectBackend, type BackendChoice, type BackendSettings } from '../backends/registry.js';
import { InterruptedError, UsageError } from '../errors.js';
import { namedSteps, parsePatterns, stepsNotRun, unmatchedPatterns } from '../steps/selection.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import type { StepResult } from '../steps/result.js';
import type { ScenarioInput } from '../steps/scenario.js';
import { installInterruptHandler, throwIfInterrupted } from '../util/interrupt.js';
import { currentOwner } from '../util/owner.js';
import { attachTo, checkAttachable } from './attach.js';
import { buildLab } from './build.js';
import { collectFailure, type FailureContext } from './failure-evidence.js';
import type { LeftOut } from './left-out.js';
import { checkScenario, loadLab, specOf } from './load.js';
import { planFor } from './plan.js';
import { preflight } from './preflight.js';
import { reapOrphans } from './reap.js';
import { runSteps, type RunEvents, type RunReport } from './run.js';
import type { LabSpec } from './spec.js';

/** A scenario to build: a file, or a scenario value (the library's; `file` names it in messages). */
export type ScenarioSource = string | { file: string; scenario: ScenarioInput };

export interface SessionOptions {
  /** Which backend builds the labs (`auto`: the first that works here), or a backend made already. */
  backend: BackendChoice | Backend;
  /** Settings of the backend's runtime, e.g. swarm's engines. */
  settings?: BackendSettings;
  /** Options the command line sets for the chosen backend (`--privileged`), over the scenario's own. */
  flags?: (profile: BackendProfile) => Record<string, unknown>;
  /** The lab's name, for a session of one scenario; default the scenario's. */
  name?: string;
  /** The labs outlive the session (`up`, `run --keep`): no owner, so nothing reaps them. */
  keep?: boolean;
  /** Whether the steps are run: what they need is checked before anything is built. */
  steps?: boolean;
  /** Steps that need what this machine lacks are reported as skipped instead of refusing the scenario. */
  skipUnsupported?: boolean;
  /** Steps are captured with tcpdump into this folder (absolute). */
  captures?: string;
  /** A run that fails leaves an archive of its lab's state in this folder (absolute), made before teardown. */
  collect?: string;
  /** `--test` patterns: only the steps they name run, with the faults those observe; the rest are reported skipped. */
  select?: readonly string[];
  /** A check that fails runs again up to this many times (`--retry`). */
  retries?: number;
  /**
   * The labs run already (`testbed check`): each is found where it runs, nothing is built or
   * removed, and only the scenario's checks run.
   */
  attach?: boolean;
  /** SIGINT and SIGTERM stop the session in order (the CLI's; a library leaves signals to its program). */
  handleSignals?: boolean;
  progress: Progress;
}

/** A lab of the session: what it is, how it is built here, and which steps this machine cannot run. */
export interface SessionLab {
  spec: LabSpec;
  plan: LabPlan;
  skips: Map<number, string>;
}

/**
 * The whole life of the labs of one command or library call, in one order: load, backend,
 * reap, plan, preflight (all before anything is built), then per lab build and readiness,
 * steps, reports, teardown. An interrupt or a failure in any phase removes what was built.
 */
export class LabSession {
  private constructor(
    readonly backend: Backend,
    readonly labs: SessionLab[],
    /** The scenarios none of whose steps is chosen: not built, reported with every step skipped. */
    readonly leftOut: LeftOut[],
    private readonly options: SessionOptions,
  ) {}

  /** Loads and judges every scenario against the chosen backend; nothing is built yet. */
  static async open(sources: ScenarioSource[], options: SessionOptions): Promise<LabSession> {
    const { progress } = options;
    if (options.handleSignals) installInterruptHandler(progress);
    const loaded: LabSpec[] = [];
    for (const source of sources) loaded.push(await loadSpec(source, options.name));
    const { specs, notRun, leftOut } = chosenSteps(loaded, options);
    const backend = await backendFor(options, specs);
    throwIfInterrupted();
    const owner = options.keep || options.attach ? undefined : currentOwner();
    const plans = specs.map((spec) => planFor(backend.profile, spec, options.flags?.(backend.profile) ?? {}, owner));
    const judged = options.steps === false ? specs.map((spec) => ({ ...spec, steps: [] })) : specs;
    const skips = await preflight(backend, judged, options.skipUnsupported ?? false, progress, {
      captures: options.captures !== undefined,
      notRun,
      // A running lab has its programs already: probing would build or fetch what it does not use.
      probe: !options.attach,
    });
    throwIfInterrupted();
    return new LabSession(
      backend,
      specs.map((spec, i) => ({ spec, plan: plans[i]!, skips: skips[i]! })),
      leftOut,
      options,
    );
  }

  /** Runs the steps of a lab that runs already (`attach`): nothing is built or removed. */
  async check(lab: SessionLab, events: RunEvents): Promise<RunReport> {
    const started = performance.now();
    // The lab was ready before this process: how long BGP took since then is not known here.
    const { steps, evidence } = await this.steps(lab, events, null);
    const stepsMs = performance.now() - started;
    const result = report(this.backend, lab, steps, true, { setupMs: 0, stepsMs, teardownMs: 0, started });
    return { ...result, attached: true, ...(evidence === undefined ? {} : { evidence }) };
  }

  /**
   * Runs a built lab's steps. With `collect`, a failure's lab state is archived while the lab is
   * as the failure left it: at the first failed step where the run pauses there (before anyone
   * looks and changes it), else after the last step; on an error, before it is thrown, its
   * message naming the archive.
   */
  private async steps(
    lab: SessionLab,
    events: RunEvents,
    stepsStarted: number | null,
  ): Promise<{ steps: StepResult[]; evidence?: string | undefined }> {
    const done: StepResult[] = [];
    let evidence: string | undefined;
    // Delegates one by one: the events may be an object's methods (a reporter), which a spread drops.
    const tracked: RunEvents = {
      labReady: (name, ms) => events.labReady(name, ms),
      stepStarting: (step) => events.stepStarting?.(step),
      stepRetrying: (failed, retry, retries) => events.stepRetrying?.(failed, retry, retries),
      stepDone: (result, total) => {
        done.push(result);
        events.stepDone(result, total);
      },
      ...(events.stepFailed && {
        stepFailed: async (result, at) => {
          evidence ??= await this.collect(lab, { steps: done });
          return events.stepFailed!(result, at);
        },
      }),
    };
    const options = { stepsStarted, captures: this.options.captures, retries: this.options.retries };
    try {
      const steps = await runSteps(this.backend, lab, tracked, options);
      if (steps.some((s) => !s.passed && !s.skipped)) evidence ??= await this.collect(lab, { steps });
      return { steps, evidence };
    } catch (error) {
      if (error instanceof InterruptedError || !(error instanceof Error)) throw error;
      evidence ??= await this.collect(lab, { steps: done, error: error.message });
      if (evidence) error.message = `${error.message}\n(the lab's state at the error: ${evidence})`;
      throw error;
    }
  }

  /**
   * Builds a lab and waits until it is ready; what was made is removed if that fails or is
   * interrupted (with `collect`, a failure's state is archived first, and its message says where).
   */
  async build(lab: SessionLab): Promise<void> {
    const collect = this.options.collect;
    const beforeRemoval = async (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const archive = await this.collect(lab, { steps: [], error: message });
      if (archive === undefined || !(error instanceof Error)) return error;
      error.message = `${message}\n(the lab's state before it was removed: ${archive})`;
      return error;
    };
    await buildLab(this.backend, lab.plan, this.options.progress, collect === undefined ? undefined : beforeRemoval);
  }

  /** Archives a failed lab's state (`collect`); a collection that fails is told, and does not hide the failure. */
  private async collect(lab: SessionLab, context: FailureContext): Promise<string | undefined> {
    if (this.options.collect === undefined) return undefined;
    try {
      return await collectFailure(this.backend, lab.plan, this.options.collect, context, this.options.progress);
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      this.options.progress(`collecting the state of lab ${lab.plan.topology.lab} failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Builds a lab, runs its steps, and removes it (unless the session keeps labs; always on failure). */
  async run(lab: SessionLab, events: RunEvents): Promise<RunReport> {
    const started = performance.now();
    let failed = true;
    let ran: { steps: StepResult[]; evidence?: string | undefined } = { steps: [] };
    let stepsMs = 0;
    let teardownMs = 0;
    await this.build(lab);
    const setupMs = performance.now() - started;
    events.labReady(lab.plan.topology.lab, setupMs);
    try {
      const stepsStarted = performance.now();
      ran = await this.steps(lab, events, stepsStarted);
      stepsMs = performance.now() - stepsStarted;
      failed = false;
    } finally {
      if (failed || !this.options.keep) {
        const teardownStarted = performance.now();
        await this.teardown(lab);
        teardownMs = performance.now() - teardownStarted;
      }
    }
    const times = { setupMs, stepsMs, teardownMs, started };
    const result = report(this.backend, lab, ran.steps, this.options.keep ?? false, times);
    return ran.evidence === undefined ? result : { ...result, evidence: ran.evidence };
  }

  /** Removes a lab and everything in it; harmless when it is gone already. */
  async teardown(lab: SessionLab): Promise<void> {
    this.options.progress(`removing lab ${lab.plan.topology.lab}`);
    await this.backend.destroy(lab.plan.topology.lab);
  }
}

/**
 * The steps each scenario runs (`--test`, `testbed check`) and why the others do not; a pattern
 * that names no step is a usage error, and a scenario none of whose steps runs is left out.
 */
function chosenSteps(
  loaded: LabSpec[],
  options: SessionOptions,
): { specs: LabSpec[]; notRun: Map<number, string>[]; leftOut: LeftOut[] } {
  const patterns = parsePatterns(options.select ?? []);
  const named = loaded.map(namedSteps);
  const unmatched = unmatchedPatterns(named, patterns);
  if (unmatched.length > 0) {
    throw new UsageError(
      `--test ${unmatched.map((p) => `"${p}"`).join(', ')} names no step of ${loaded.map((s) => s.scenarioFile).join(', ')}; testbed run --list shows their steps`,
    );
  }
  const notRun = named.map((steps) => stepsNotRun(steps, patterns, options.attach ?? false));
  const runs = (i: number) => loaded[i]!.steps.length === 0 || notRun[i]!.size < loaded[i]!.steps.length;
  const kept = loaded.flatMap((_, i) => (runs(i) ? [i] : []));
  if (kept.length === 0)
    throw new UsageError(`nothing to run: ${[...new Set(notRun.flatMap((m) => [...m.values()]))].join('; ')}`);
  const leftOut = loaded.flatMap((spec, i) => (runs(i) ? [] : [{ spec, notRun: notRun[i]! }]));
  return { specs: kept.map((i) => loaded[i]!), notRun: kept.map((i) => notRun[i]!), leftOut };
}

/** The backend of the session, with the labs of runs that are gone reaped: the chosen one, or, for labs that run already, the one they run on. */
async function backendFor(options: SessionOptions, specs: LabSpec[]): Promise<Backend> {
  const { progress } = options;
  if (typeof options.backend === 'string' && options.attach)
    return attachTo(options.backend, options.settings ?? {}, specs, progress);
  const backend =
    typeof options.backend === 'string'
      ? await selectBackend(options.backend, options.settings ?? {})
      : options.backend;
  await reapOrphans([backend], progress);
  if (options.attach) await checkAttachable(backend, specs, progress);
  return backend;
}

async function loadSpec(source: ScenarioSource, name: string | undefined): Promise<LabSpec> {
  if (typeof source === 'string') return loadLab(source, name);
  return specOf(source.file, checkScenario(source.file, source.scenario), name);
}

function report(
  backend: Backend,
  lab: SessionLab,
  steps: StepResult[],
  kept: boolean,
  times: { setupMs: number; stepsMs: number; teardownMs: number; started: number },
): RunReport {
  const { topology } = lab.plan;
  return {
    scenario: {
      name: topology.name,
      file: lab.plan.scenarioFile,
      ...(topology.description ? { description: topology.description } : {}),
    },
    backend: backend.profile.name,
    lab: topology.lab,
    // A run whose every step was skipped proved nothing.
    passed: steps.every((s) => s.passed || s.skipped) && (steps.length === 0 || steps.some((s) => !s.skipped)),
    timings: {
      setupMs: Math.round(times.setupMs),
      stepsMs: Math.round(times.stepsMs),
      teardownMs: Math.round(times.teardownMs),
      totalMs: Math.round(performance.now() - times.started),
    },
    steps,
    kept,
  };
}
