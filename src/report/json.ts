import type { RunReport } from '../lab/run.js';

export const JSON_REPORT_SCHEMA = 'testbed/run-report@1';

/** The `--json` document; its shape is documented in the README ("JSON report"). */
export interface JsonReport {
  schema: typeof JSON_REPORT_SCHEMA;
  passed: boolean;
  /** Milliseconds from process start until the CLI began its work (Node start and module loading). */
  processStartMs: number;
  /** Milliseconds spent loading and validating the scenario files and checking the backend. */
  loadMs: number;
  runs: RunReport[];
  /** Why the run stopped before every scenario ran (an infrastructure error, an interrupt). */
  error?: string;
}

export function buildJsonReport(runs: RunReport[], processStartMs: number, loadMs: number, error?: string): JsonReport {
  return {
    schema: JSON_REPORT_SCHEMA,
    passed: error === undefined && runs.every((r) => r.passed),
    processStartMs: Math.round(processStartMs),
    loadMs: Math.round(loadMs),
    runs,
    ...(error === undefined ? {} : { error }),
  };
}
