import type { Backend, Progress } from '../backends/backend.js';
import { selectBackend, type BackendChoice } from '../backends/registry.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import { ScenarioError } from '../errors.js';
import type { StepInput } from '../steps/registry.js';
import { runStep, stepContext } from '../steps/run-step.js';
import type { Metric, StepContext, StepResult } from '../steps/result.js';
import { validateStep, type ScenarioInput } from '../steps/scenario.js';
import type { Topology } from '../topology/topology.js';
import type { ProcessResult } from '../util/process.js';
import { buildLab } from './build.js';
import { checkScenario, loadLab, specOf } from './load.js';
import { planFor } from './plan.js';
import { preflight } from './preflight.js';
import { reapOrphans } from './reap.js';
import { currentOwner } from '../util/owner.js';
import type { LabSpec } from './spec.js';

export interface StartLabOptions {
  /** Which backend builds the lab; default `auto` (docker where a daemon answers, else netns). */
  backend?: BackendChoice;
  /** The lab's name; default the scenario's. */
  name?: string;
  /** Where progress goes ("host0 ready"); default nowhere. */
  progress?: Progress;
  /** Settings of the backend's runtime, e.g. `{ engine: ['tcp://10.0.0.5:2375'] }` for swarm. */
  settings?: Record<string, unknown>;
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
    readonly backend: Backend,
    private readonly spec: LabSpec,
    readonly plan: LabPlan,
  ) {
    this.ctx = stepContext(backend, plan.topology, plan.hosts);
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

  /** Runs the scenario's own steps, in order; their results. */
  async run(): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const [index, step] of this.spec.steps.entries()) results.push(await runStep(this.ctx, step, index));
    return results;
  }

  /** Removes the lab and everything in it; repeating it is harmless. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.backend.destroy(this.name);
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
  const spec = typeof source === 'string' ? await loadLab(source, options.name) : specOf('(scenario)', checkScenario('(scenario)', source), options.name);
  const backend = await selectBackend(options.backend ?? 'auto', options.settings ?? {});
  const progress = options.progress ?? (() => {});
  await reapOrphans([backend], progress);
  await preflight(backend, [spec], false, progress);
  // Owned by this process: if it dies without stopping the lab, the next testbed command removes it.
  const plan = planFor(backend.profile, spec, {}, currentOwner());
  await buildLab(backend, plan, progress);
  return new Lab(backend, spec, plan);
}

