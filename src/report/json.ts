import type { RunReport } from '../lab/run.js';

export const JSON_REPORT_SCHEMA = 'testbed/run-report@1';

/** The `--json` document; its shape is documented in the README ("JSON report"). */
export interface JsonReport {
  schema: typeof JSON_REPORT_SCHEMA;
  passed: boolean;
  /** Milliseconds from process start until the CLI began its work (Node start and module loading). */
  processStartMs: number;
  runs: RunReport[];
}

export function buildJsonReport(runs: RunReport[], processStartMs: number): JsonReport {
  return {
    schema: JSON_REPORT_SCHEMA,
    passed: runs.every((r) => r.passed),
    processStartMs: Math.round(processStartMs),
    runs,
  };
}
