import { skippedStep } from '../steps/run-step.js';
import type { RunReport } from './run.js';
import type { LabSpec } from './spec.js';

/** A scenario none of whose steps a run chooses (`--test`): its lab is not built. */
export interface LeftOut {
  spec: LabSpec;
  /** Per step, why it is not run. */
  notRun: Map<number, string>;
}

/** Pure: the report of a scenario left out: every step skipped with its reason; it fails nothing. */
export function leftOutReport(backend: string, { spec, notRun }: LeftOut): RunReport {
  const { topology } = spec;
  return {
    scenario: {
      name: topology.name,
      file: spec.scenarioFile,
      ...(topology.description ? { description: topology.description } : {}),
    },
    backend,
    lab: topology.lab,
    passed: true,
    timings: { setupMs: 0, stepsMs: 0, teardownMs: 0, totalMs: 0 },
    steps: spec.steps.map((step, index) => skippedStep(spec, step, index, notRun.get(index)!)),
    kept: false,
    leftOut: true,
  };
}
