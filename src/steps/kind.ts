import type { z } from 'zod';
import type { Path } from '../scenario/problems.js';
import type { References } from '../scenario/references.js';
import type { Requirement } from '../requirements/requirement.js';
import type { Topology } from '../topology/topology.js';
import type { Attempt, Metric, StepContext } from './result.js';

/**
 * Everything about one kind of step, in one module: how it is written (schema), what it refers
 * to, how it is named and reported, what it needs where the hosts run, and one attempt of it.
 */
export interface StepKind<K extends string, S extends z.ZodType> {
  /** The field that says a step is of this kind, e.g. `ping`. */
  readonly key: K;
  /**
   * `check`: only observes the lab, so it may be tried again (`--retry`) and run against a lab
   * that `up` left running (`testbed check`); `action`: changes the lab, or runs a command that may.
   */
  readonly role: 'check' | 'action';
  readonly schema: S;
  /** Checks that the nodes, hosts and workloads the step names exist. */
  references(step: z.output<S>, refs: References, path: Path): void;
  /** The step's name when the scenario gives none. */
  name(step: z.output<S>): string;
  /** The nodes whose state explains a failure of the step. */
  nodes(step: z.output<S>): string[];
  /** Programs, kernel features and backend capabilities the step needs. */
  needs(step: z.output<S>): Requirement[];
  attempt(ctx: StepContext, step: z.output<S>): Promise<Attempt>;
  /** The step's figures at a glance: the console, JSON, JUnit, the HTML page and the job summary all show them. */
  figures(metrics: Record<string, Metric>, passed: boolean): string;
  /** How a result of this kind is shown beyond its figures, where it has more to show. */
  view?: StepView;
  /** Seconds to retry when the scenario gives no `within`. */
  within?: number;
  /** The commands whose output explains a failure best, shown before the full dumps (`ip route get`, BGP state). */
  probes?(step: z.output<S>, topology: Topology): { node: string; argv: string[] }[];
  /**
   * Faults: the lasting effect the step starts or ends, named so that the steps in between are
   * known to observe it (and are skipped with it when it cannot be made).
   */
  effect?(step: z.output<S>): { sets: string } | { clears: string } | undefined;
}

/** More than figures: what the HTML page draws of a result, and whether the job summary lists it when it passed. */
export interface StepView {
  /** A fragment of the HTML page; every text in it goes through `escape`. */
  html(metrics: Record<string, Metric>, escape: (text: string) => string): string;
  /** The page shows the step opened, not only when it failed. */
  open?: true;
  /** The job summary lists the step, with its figures, also when it passed. */
  inSummary?: true;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a kind of any schema: its steps are only handed back to it
export type AnyStepKind = StepKind<string, any>;

export function defineStepKind<K extends string, S extends z.ZodType>(kind: StepKind<K, S>): StepKind<K, S> {
  return kind;
}

/** A fault step's figures: done, or how its command failed. */
export function actionFigures(metrics: Record<string, Metric>, passed: boolean): string {
  if (metrics.exitCode === undefined) return passed ? 'done' : 'failed';
  return metrics.exitCode === 0 ? 'done' : `exit ${metrics.exitCode}`;
}
