import type { Backend } from '../backends/backend.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import type { LabSpec } from './spec.js';
import { join } from 'node:path';
import { startCaptures, stopCaptures } from '../steps/capture.js';
import { involvedNodes, runStep, skippedStep, stepContext } from '../steps/run-step.js';
import { kindOf, type Step } from '../steps/registry.js';
import type { StepContext } from '../steps/result.js';
import type { StepResult } from '../steps/result.js';
import { buildLab } from './build.js';
import { throwIfInterrupted } from '../util/interrupt.js';

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
  progress(message: string): void;
  labReady(lab: string, setupMs: number): void;
  stepDone(result: StepResult, total: number): void;
}

export interface RunOptions {
  /** Leave the lab running afterwards. */
  keep?: boolean;
  /** Steps not to run, by index, with the reason (what this machine or backend cannot do). */
  skips?: Map<number, string>;
  /** A folder for pcap captures: every step's nodes are captured while it runs; a failed step has them attached. */
  captures?: string;
}

/** Builds the lab, runs every step, tears the lab down (unless `keep`), and reports. */
export async function runScenario(
  backend: Backend,
  spec: LabSpec,
  plan: LabPlan,
  events: RunEvents,
  { keep = false, skips = new Map(), captures }: RunOptions = {},
): Promise<RunReport> {
  const { topology } = plan;
  const scenarioSteps = spec.steps;
  const started = performance.now();
  const steps: StepResult[] = [];
  let stepsMs = 0;
  let teardownMs = 0;
  let failed = true;
  await buildLab(backend, plan, (m) => events.progress(m));
  const setupMs = performance.now() - started;
  events.labReady(topology.lab, setupMs);
  try {
    const stepsStarted = performance.now();
    const ctx = stepContext(backend, topology, plan.hosts, stepsStarted);
    for (const [index, step] of scenarioSteps.entries()) {
      throwIfInterrupted();
      const skip = skips.get(index);
      const result =
        skip !== undefined
          ? skippedStep(ctx, step, index, skip)
          : captures === undefined
            ? await runStep(ctx, step, index)
            : await runCaptured(ctx, step, index, join(captures, topology.lab));
      throwIfInterrupted();
      steps.push(result);
      events.stepDone(result, scenarioSteps.length);
    }
    stepsMs = performance.now() - stepsStarted;
    failed = false;
  } finally {
    if (failed || !keep) {
      const teardownStarted = performance.now();
      events.progress(`removing lab ${topology.lab}`);
      await backend.destroy(topology.lab);
      teardownMs = performance.now() - teardownStarted;
    }
  }
  return {
    scenario: {
      name: topology.name,
      file: plan.scenarioFile,
      ...(topology.description ? { description: topology.description } : {}),
    },
    backend: backend.profile.name,
    lab: topology.lab,
    // A run whose every step was skipped proved nothing.
    passed: steps.every((s) => s.passed || s.skipped) && (steps.length === 0 || steps.some((s) => !s.skipped)),
    timings: {
      setupMs: Math.round(setupMs),
      stepsMs: Math.round(stepsMs),
      teardownMs: Math.round(teardownMs),
      totalMs: Math.round(performance.now() - started),
    },
    steps,
    kept: keep,
  };
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
