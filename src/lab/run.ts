import { join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { startCaptures, stopCaptures } from '../steps/capture.js';
import { kindOf, type Step } from '../steps/registry.js';
import type { StepContext, StepResult } from '../steps/result.js';
import { involvedNodes, runStep, skippedStep, stepContext } from '../steps/run-step.js';
import { throwIfInterrupted } from '../util/interrupt.js';
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
  /** Set when the lab kept running after the run (--keep). */
  kept: boolean;
}

export interface RunEvents {
  labReady(lab: string, setupMs: number): void;
  stepDone(result: StepResult, total: number): void;
}

/**
 * Runs a built lab's steps in order, the skipped ones reported as such; with `captures`, every
 * step's nodes are captured while it runs and a failed step has its pcaps attached.
 */
export async function runSteps(
  backend: Backend,
  lab: Pick<SessionLab, 'spec' | 'plan' | 'skips'>,
  events: Pick<RunEvents, 'stepDone'>,
  { stepsStarted, captures }: { stepsStarted?: number; captures?: string | undefined } = {},
): Promise<StepResult[]> {
  const { topology } = lab.plan;
  const ctx = stepContext(backend, topology, lab.plan.hosts, stepsStarted);
  const results: StepResult[] = [];
  for (const [index, step] of lab.spec.steps.entries()) {
    throwIfInterrupted();
    const skip = lab.skips.get(index);
    const result =
      skip !== undefined
        ? skippedStep(ctx, step, index, skip)
        : captures === undefined
          ? await runStep(ctx, step, index)
          : await runCaptured(ctx, step, index, join(captures, topology.lab));
    throwIfInterrupted();
    results.push(result);
    events.stepDone(result, lab.spec.steps.length);
  }
  return results;
}

/** Runs a step with tcpdump on its nodes; the pcaps go to `dir`, and are attached when the step failed. */
async function runCaptured(ctx: StepContext, step: Step, index: number, dir: string): Promise<StepResult> {
  const nodes = involvedNodes(ctx, kindOf(step).nodes(step));
  if (nodes.length === 0) return runStep(ctx, step, index);
  const running = await startCaptures(ctx, nodes, `${ctx.topology.lab}-${index + 1}-${process.pid}`);
  const result = await runStep(ctx, step, index);
  const files = await stopCaptures(ctx, running, dir, `step${index + 1}`);
  return result.passed || files.length === 0 ? result : { ...result, attachments: files };
}
