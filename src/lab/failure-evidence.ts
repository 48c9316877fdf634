import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Backend, Progress } from '../backends/backend.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import type { StepResult } from '../steps/result.js';
import { collectLabState, packEvidence } from './evidence.js';

/** What a failed run knew when its lab was collected: its steps so far, or why building it failed. */
export interface FailureContext {
  steps: StepResult[];
  /** Why the build or the steps stopped (an error, not a failed step). */
  error?: string;
}

/**
 * `--collect-on-failure`: one archive per failed run, made while the lab still stands. It holds
 * the lab's state (per node), the failed steps' captures, the scenario file and the run's JSON
 * report as it stood then. Returns the archive's path.
 */
export async function collectFailure(
  backend: Backend,
  plan: LabPlan,
  folder: string,
  context: FailureContext,
  progress: Progress,
): Promise<string> {
  const { lab } = plan.topology;
  const staging = await mkdtemp(join(tmpdir(), `testbed-evidence-${lab}-`));
  try {
    await collectLabState(backend, plan, join(staging, 'lab'), progress);
    await copyCaptures(context.steps, join(staging, 'captures'));
    await copyScenario(plan.scenarioFile, join(staging, 'scenario'));
    await writeFile(join(staging, 'run.json'), `${JSON.stringify(runState(plan, backend, context), null, 2)}\n`);
    const archive = join(folder, `${lab}-${stamp(new Date())}.tar.gz`);
    await packEvidence(staging, archive);
    progress(`the state of lab ${lab} is in ${archive}`);
    return archive;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The run as JSON when the lab was collected: the report's fields that were known then. */
function runState(plan: LabPlan, backend: Backend, context: FailureContext) {
  const { topology } = plan;
  return {
    scenario: { name: topology.name, file: plan.scenarioFile },
    backend: backend.profile.name,
    lab: topology.lab,
    collectedAt: new Date().toISOString(),
    ...(context.error !== undefined ? { error: context.error } : {}),
    steps: context.steps,
  };
}

async function copyCaptures(steps: StepResult[], dir: string): Promise<void> {
  const files = steps.flatMap((s) => [
    ...(s.attachments ?? []),
    ...(s.earlierRuns ?? []).flatMap((r) => r.attachments ?? []),
  ]);
  if (files.length === 0) return;
  await mkdir(dir, { recursive: true });
  for (const file of files) await copyFile(file, join(dir, basename(file)));
}

/** The scenario as a file, where it is one (a library's scenario object has none). */
async function copyScenario(file: string, dir: string): Promise<void> {
  if (!(await stat(file).catch(() => undefined))?.isFile()) return;
  await mkdir(dir, { recursive: true });
  await copyFile(file, join(dir, basename(file)));
}

/** 20261204-081502.123: sorts by time, and is a valid file name everywhere. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 19);
}
