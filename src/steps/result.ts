import type { Backend } from '../backends/backend.js';
import type { HostPlan } from '../dataplane/ops.js';
import type { Topology } from '../topology/topology.js';
import type { ProcessResult, RunOptions } from '../util/process.js';

export type Metric = number | string | boolean | null;

/** One step's outcome; every report renders from this. */
export interface StepResult {
  index: number;
  name: string;
  kind: string;
  passed: boolean;
  durationMs: number;
  attempts: number;
  metrics: Record<string, Metric>;
  expected: Record<string, Metric>;
  actual: Record<string, Metric>;
  /** One line per unmet expectation: "ttl: expected 62, actual 61". */
  failures: string[];
  /** The check itself could not be made (a command that printed no JSON, a host that is gone). */
  error?: string;
  /** Not run, because this machine or backend cannot do what it needs (--skip-unsupported). */
  skipped?: true;
  skipReason?: string;
  /** ip addr/route/neigh of the nodes involved, when the step failed. */
  diagnostics?: string;
  /** Files that show the failure: pcap captures of the nodes involved (paths as written). */
  attachments?: string[];
  /** A check that failed and was run again (`--retry`): its earlier runs, oldest first; the fields above are the last run's. */
  earlierRuns?: EarlierRun[];
}

/** One earlier run of a retried check, as it ended. */
export type EarlierRun = Pick<StepResult, 'durationMs' | 'attempts' | 'metrics' | 'failures' | 'error' | 'attachments'>;

/** What a single attempt of a step found. */
export interface Attempt {
  metrics: Record<string, Metric>;
  expected: Record<string, Metric>;
  actual: Record<string, Metric>;
  failures: string[];
  error?: string;
}

export interface StepContext {
  backend: Backend;
  /** Runs a command in a node of the lab; throws (failing the step with an error) when the node cannot run it. */
  exec(node: string, argv: string[], options?: RunOptions): Promise<ProcessResult>;
  topology: Topology;
  /** The plans the lab was built from (a restarted host is set up again from its own). */
  hosts: HostPlan[];
  /**
   * performance.now() when the lab was ready: convergence is measured from here. null for a lab
   * that was ready before this process started (`testbed check`).
   */
  labReadyAt: number | null;
}

/** Compares expectation and observation of one field; returns the failure line or nothing. */
export function compare(field: string, expected: Metric, actual: Metric, ok: boolean, bound = ''): string[] {
  return ok ? [] : [`${field}: expected ${bound}${format(expected)}, actual ${format(actual)}`];
}

export function format(value: Metric): string {
  return value === null ? 'none' : String(value);
}
