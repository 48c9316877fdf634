import type { Backend, BackendProfile, Progress } from '../backends/backend.js';
import { selectBackend, type BackendChoice, type BackendSettings } from '../backends/registry.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import type { StepResult } from '../steps/result.js';
import type { ScenarioInput } from '../steps/scenario.js';
import { installInterruptHandler, throwIfInterrupted } from '../util/interrupt.js';
import { currentOwner } from '../util/owner.js';
import { buildLab } from './build.js';
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
    private readonly options: SessionOptions,
  ) {}

  /** Loads and judges every scenario against the chosen backend; nothing is built yet. */
  static async open(sources: ScenarioSource[], options: SessionOptions): Promise<LabSession> {
    const { progress } = options;
    if (options.handleSignals) installInterruptHandler(progress);
    const specs: LabSpec[] = [];
    for (const source of sources) specs.push(await loadSpec(source, options.name));
    const backend =
      typeof options.backend === 'string'
        ? await selectBackend(options.backend, options.settings ?? {})
        : options.backend;
    await reapOrphans([backend], progress);
    throwIfInterrupted();
    const owner = options.keep ? undefined : currentOwner();
    const plans = specs.map((spec) => planFor(backend.profile, spec, options.flags?.(backend.profile) ?? {}, owner));
    const judged = options.steps === false ? specs.map((spec) => ({ ...spec, steps: [] })) : specs;
    const skips = await preflight(backend, judged, options.skipUnsupported ?? false, progress, {
      captures: options.captures !== undefined,
    });
    throwIfInterrupted();
    return new LabSession(
      backend,
      specs.map((spec, i) => ({ spec, plan: plans[i]!, skips: skips[i]! })),
      options,
    );
  }

  /** Builds a lab and waits until it is ready; what was made is removed if that fails or is interrupted. */
  async build(lab: SessionLab): Promise<void> {
    await buildLab(this.backend, lab.plan, this.options.progress);
  }

  /** Builds a lab, runs its steps, and removes it (unless the session keeps labs; always on failure). */
  async run(lab: SessionLab, events: RunEvents): Promise<RunReport> {
    const started = performance.now();
    let failed = true;
    let steps: StepResult[] = [];
    let stepsMs = 0;
    let teardownMs = 0;
    await this.build(lab);
    const setupMs = performance.now() - started;
    events.labReady(lab.plan.topology.lab, setupMs);
    try {
      const stepsStarted = performance.now();
      steps = await runSteps(this.backend, lab, events, { stepsStarted, captures: this.options.captures });
      stepsMs = performance.now() - stepsStarted;
      failed = false;
    } finally {
      if (failed || !this.options.keep) {
        const teardownStarted = performance.now();
        await this.teardown(lab);
        teardownMs = performance.now() - teardownStarted;
      }
    }
    return report(this.backend, lab, steps, this.options.keep ?? false, { setupMs, stepsMs, teardownMs, started });
  }

  /** Removes a lab and everything in it; harmless when it is gone already. */
  async teardown(lab: SessionLab): Promise<void> {
    this.options.progress(`removing lab ${lab.plan.topology.lab}`);
    await this.backend.destroy(lab.plan.topology.lab);
  }
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
