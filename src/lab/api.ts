import type { Backend, Progress } from '../backends/backend.js';
import type { BackendChoice } from '../backends/registry.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import { ScenarioError, UsageError } from '../errors.js';
import type { StepInput } from '../steps/registry.js';
import { runStep, stepContext } from '../steps/run-step.js';
import { namedSteps, parsePatterns, stepsNotRun, unmatchedPatterns } from '../steps/selection.js';
import type { Metric, StepContext, StepResult } from '../steps/result.js';
import { validateStep, type ScenarioInput } from '../steps/scenario.js';
import type { Topology } from '../topology/topology.js';
import type { ProcessResult } from '../util/process.js';
import { runSteps } from './run.js';
import { LabSession, type SessionLab } from './session.js';

export interface StartLabOptions {
  /** Which backend builds the lab; default `auto` (docker where a daemon answers, else netns). */
  backend?: BackendChoice;
  /** The lab's name; default the scenario's. */
  name?: string;
  /** Where progress goes ("host0 ready"); default nowhere. */
  progress?: Progress;
  /** Settings of the backend's runtime, e.g. `{ engine: ['tcp://10.0.0.5:2375'] }` for swarm. */
  settings?: Record<string, unknown>;
  /** As `testbed run --skip-unsupported`: steps that need what this machine lacks are skipped by `run`, not refused. */
  skipUnsupported?: boolean;
}

/** Which of a scenario's steps `Lab.run` runs, and how often a failed check runs again. */
export interface RunStepsOptions {
  /** As `testbed run --test`: globs on step names or kinds, or step numbers; a leading `!` leaves steps out. */
  test?: string[];
  /** As `--retry`: a failed check runs again up to this many times; its earlier runs are in `earlierRuns`. */
  retries?: number;
}

/** The options of a ping through the library: the ping step's fields. */
export type PingOptions = Partial<Omit<Extract<StepInput, { ping: unknown }>['ping'], 'from' | 'to'>>;

/**
 * A running lab, for test code: run commands and steps in it, then remove it (`stop`, or
 * `await using lab = await startLab(…)`, which removes it when the block ends).
 */
export class Lab implements AsyncDisposable {
  private readonly ctx: StepContext;
  private stopped = false;

  constructor(
    private readonly session: LabSession,
    private readonly lab: SessionLab,
  ) {
    this.ctx = stepContext(session.backend, lab.plan.topology, lab.plan.hosts);
  }

  get backend(): Backend {
    return this.session.backend;
  }

  get plan(): LabPlan {
    return this.lab.plan;
  }

  get name(): string {
    return this.plan.topology.lab;
  }

  get topology(): Topology {
    return this.plan.topology;
  }

  /** Runs a command in a host or workload; its exit code and output, never an exception for a non-zero exit. */
  exec(node: string, argv: string[]): Promise<ProcessResult> {
    return this.backend.exec(this.name, node, argv);
  }

  /** Pings `to` (a node or an address) from `from`; the ping step's metrics (ttl, lossPercent, rttAvgMs, …). */
  async ping(from: string, to: string, options: PingOptions = {}): Promise<Record<string, Metric>> {
    return (await this.check({ ping: { from, to, ...options } })).metrics;
  }

  /** Runs one step of any kind against the lab, validated as in a scenario; its result. */
  async check(input: StepInput): Promise<StepResult> {
    const { step, issues } = validateStep(input, this.topology);
    if (!step) throw new ScenarioError('check', issues);
    return runStep(this.ctx, step, 0);
  }

  /**
   * Runs the scenario's own steps, in order, as `testbed run` does (those this machine cannot run
   * reported as skipped); their results. `test` chooses steps as `--test` does, `retries` as `--retry`.
   */
  run(options: RunStepsOptions = {}): Promise<StepResult[]> {
    const patterns = parsePatterns(options.test ?? []);
    const steps = namedSteps(this.lab.spec);
    const unmatched = unmatchedPatterns([steps], patterns);
    if (unmatched.length > 0) throw new UsageError(`test ${unmatched.map((p) => `"${p}"`).join(', ')} names no step`);
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > 10)
      throw new UsageError(`retries ${retries}: give a whole number from 0 to 10`);
    const skips = new Map([...stepsNotRun(steps, patterns, false), ...this.lab.skips]);
    return runSteps(this.backend, { ...this.lab, skips }, { stepDone: () => {} }, { retries });
  }

  /** Removes the lab and everything in it; repeating it is harmless. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.session.teardown(this.lab);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Builds a lab from a scenario file or a scenario object, checked as `testbed run` checks it, and
 * returns it running. Progress goes to `options.progress`, not to the console.
 */
export async function startLab(source: string | ScenarioInput, options: StartLabOptions = {}): Promise<Lab> {
  // Owned by this process: if it dies without stopping the lab, the next testbed command removes it.
  const session = await LabSession.open(
    [typeof source === 'string' ? source : { file: '(scenario)', scenario: source }],
    {
      backend: options.backend ?? 'auto',
      settings: options.settings ?? {},
      ...(options.name !== undefined ? { name: options.name } : {}),
      skipUnsupported: options.skipUnsupported ?? false,
      progress: options.progress ?? (() => {}),
    },
  );
  const lab = session.labs[0]!;
  await session.build(lab);
  return new Lab(session, lab);
}
