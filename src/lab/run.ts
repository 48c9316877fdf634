import { join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { startCaptures, stopCaptures } from '../steps/capture.js';
import { kindOf, type Step } from '../steps/registry.js';
import type { EarlierRun, StepContext, StepResult } from '../steps/result.js';
import { involvedNodes, runStep, skippedStep, stepContext, stepName } from '../steps/run-step.js';
import { pause, throwIfInterrupted } from '../util/interrupt.js';
import type { SessionLab } from './session.js';

/** The outcome of running one scenario; console, JSON and JUnit reports all render from it. */
export interface RunReport {
  scenario: { name: string; file: string; description?: string };
  backend: string;
  lab: string;
  /** Every step that ran passed (skipped steps count neither way), and one ran if there were any. */
  passed: boolean;
  /** Milliseconds spent in each phase. */
  timings: { setupMs: number; stepsMs: number; teardownMs: number; totalMs: number };
  steps: StepResult[];
  /** Set when the lab kept running after the run (--keep, and testbed check). */
  kept: boolean;
  /** The lab ran already (testbed check): nothing was built or removed. */
  attached?: true;
  /** No step of the scenario was chosen (`--test`): nothing was built, and it counts as passed. */
  leftOut?: true;
  /** The archive of the lab's state, made before teardown because a step failed (--collect-on-failure). */
  evidence?: string;
}

export interface RunEvents {
  labReady(lab: string, setupMs: number): void;
  /** Before a step runs (not for one that is skipped); the run waits for what it returns (`--pause`). */
  stepStarting?(step: StepPreview): void | Promise<void>;
  /** A check failed and runs again (`--retry`): the run that failed, and which retry comes. */
  stepRetrying?(failed: StepResult, retry: number, retries: number): void;
  stepDone(result: StepResult, total: number): void;
  /**
   * A step failed, the lab as the failure left it (`--pause-on-fail` waits here); returns why the
   * steps after it are not run, or nothing to go on.
   */
  stepFailed?(result: StepResult, lab: Pick<SessionLab, 'spec' | 'plan'>): Promise<string | undefined>;
}

/** A step about to run, for progress and pauses. */
export interface StepPreview {
  index: number;
  total: number;
  name: string;
  kind: string;
  /** What a step of its kind does, in one sentence. */
  explanation: string;
}

/** How the steps are run: retries of failed checks, and captures (a folder, absolute). */
export interface StepRunOptions {
  /** When the steps started, right after the lab was ready; null where the lab was ready before this process. */
  stepsStarted?: number | null;
  captures?: string | undefined;
  /** A check that fails runs again up to this many times, after a short pause that grows. */
  retries?: number;
}

/**
 * Runs a built lab's steps in order, the skipped ones reported as such; with `captures`, every
 * step's nodes are captured while it runs and a failed step has its pcaps attached.
 */
export async function runSteps(
  backend: Backend,
  lab: Pick<SessionLab, 'spec' | 'plan' | 'skips'>,
  events: Omit<RunEvents, 'labReady'>,
  options: StepRunOptions = {},
): Promise<StepResult[]> {
  const { topology } = lab.plan;
  const ctx = stepContext(backend, topology, lab.plan.hosts, options.stepsStarted);
  const total = lab.spec.steps.length;
  const results: StepResult[] = [];
  let stopped: string | undefined;
  for (const [index, step] of lab.spec.steps.entries()) {
    throwIfInterrupted();
    const skip = stopped ?? lab.skips.get(index);
    let result: StepResult;
    if (skip !== undefined) {
      result = skippedStep(ctx, step, index, skip);
    } else {
      await events.stepStarting?.(preview(ctx, step, index, total));
      throwIfInterrupted();
      result = await runWithRetries(ctx, step, index, events, options, join(options.captures ?? '', topology.lab));
    }
    throwIfInterrupted();
    results.push(result);
    events.stepDone(result, total);
    if (skip === undefined && !result.passed) {
      const why = await events.stepFailed?.(result, lab);
      throwIfInterrupted();
      stopped ??= why;
    }
  }
  return results;
}

const RETRY_BACKOFF_MS = [1000, 2000, 4000];

/** Runs a step; a check that fails runs again, up to `retries` times, each earlier run kept in the result. */
async function runWithRetries(
  ctx: StepContext,
  step: Step,
  index: number,
  events: Pick<RunEvents, 'stepRetrying'>,
  options: StepRunOptions,
  captures: string,
): Promise<StepResult> {
  const once = (run: number) =>
    options.captures === undefined ? runStep(ctx, step, index) : runCaptured(ctx, step, index, captures, run);
  let result = await once(0);
  const retries = kindOf(step).role === 'check' ? (options.retries ?? 0) : 0;
  const earlierRuns: EarlierRun[] = [];
  while (!result.passed && earlierRuns.length < retries) {
    events.stepRetrying?.(result, earlierRuns.length + 1, retries);
    await pause(RETRY_BACKOFF_MS[Math.min(earlierRuns.length, RETRY_BACKOFF_MS.length - 1)]!);
    const { durationMs, attempts, metrics, failures, error, attachments } = result;
    earlierRuns.push({
      durationMs,
      attempts,
      metrics,
      failures,
      ...(error ? { error } : {}),
      ...(attachments ? { attachments } : {}),
    });
    result = await once(earlierRuns.length);
  }
  return earlierRuns.length === 0 ? result : { ...result, earlierRuns };
}

function preview(ctx: StepContext, step: Step, index: number, total: number): StepPreview {
  const kind = kindOf(step);
  return {
    index,
    total,
    name: stepName(ctx, step),
    kind: kind.key,
    explanation:
      (kind.schema as { shape?: Record<string, { description?: string }> }).shape?.[kind.key]?.description ?? '',
  };
}

/** Runs a step with tcpdump on its nodes; the pcaps go to `dir`, and are attached when the step failed. */
async function runCaptured(ctx: StepContext, step: Step, index: number, dir: string, run: number): Promise<StepResult> {
  const nodes = involvedNodes(ctx, kindOf(step).nodes(step));
  if (nodes.length === 0) return runStep(ctx, step, index);
  const running = await startCaptures(ctx, nodes, `${ctx.topology.lab}-${index + 1}-${process.pid}`);
  const result = await runStep(ctx, step, index);
  const files = await stopCaptures(ctx, running, dir, `step${index + 1}${run > 0 ? `-retry${run}` : ''}`);
  return result.passed || files.length === 0 ? result : { ...result, attachments: files };
}
