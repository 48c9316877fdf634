import type { BirdPaths } from '../dataplane/bird.js';
import type { HostPlan, Section } from '../dataplane/ops.js';
import type { Step } from '../steps/registry.js';
import type { Topology } from '../topology/topology.js';
import type { BackendCapability } from '../requirements/requirement.js';
import type { ProcessResult, RunOptions } from '../util/process.js';

/** A validated scenario resolved into a named lab; nothing backend-specific yet. */
export interface LabSpec {
  topology: Topology;
  /** The scenario's steps, run in order once the lab is up. */
  steps: Step[];
  /** The scenario file, recorded so `ls` can say where a lab came from. */
  scenarioFile: string;
}

/** What a backend builds: the spec with the planners' operations for that backend. */
export interface LabPlan extends LabSpec {
  /** The segments, where the backend builds them from operations (netns); Docker uses networks. */
  fabric?: { title: string; sections: Section[] };
  hosts: HostPlan[];
}

/** A lab found on the system by `ls`/`down`, without any state file. */
export interface LabSummary {
  lab: string;
  backend: string;
  nodes: string[];
  scenario?: string;
  created?: string;
}

export type Progress = (message: string) => void;

/**
 * A way to realise hosts. Backends are thin: they create namespaces or containers, apply the
 * planner's operations, run commands in nodes and remove everything carrying the lab's name.
 */
export interface Backend {
  readonly name: string;
  /** What this backend can do beyond building hosts on one segment. */
  readonly capabilities: readonly BackendCapability[];
  /** Where the programs that hosts run come from, and how to get a missing one: for messages. */
  readonly programHome: { where: string; fix: string };
  /**
   * Runs a shell script where this backend's hosts run, in a fresh network namespace that
   * vanishes with it: the preflight's probe of programs and kernel features.
   */
  probe(script: string, progress: Progress): Promise<ProcessResult>;
  /** Pure: the plan this backend applies for a lab (also what `testbed plan` prints). */
  plan(spec: LabSpec): LabPlan;
  /** Where a host's BIRD keeps config, control socket, pid and log. */
  birdPaths(lab: string, host: string): BirdPaths;
  /** Throws InfraError with a one-line reason when this backend cannot work here. */
  preflight(): Promise<void>;
  /** Whether any resource of the lab exists. */
  exists(lab: string): Promise<boolean>;
  /** Builds the lab (which must not exist); on failure leaves whatever it made for `destroy` to find. */
  create(plan: LabPlan, progress: Progress): Promise<void>;
  /** Removes every resource of the lab; false when there was nothing. Idempotent. */
  destroy(lab: string): Promise<boolean>;
  list(): Promise<LabSummary[]>;
  /** Runs a command inside a node and captures its output. */
  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult>;
  /** Stops a host as if it lost power; absent where the backend cannot. */
  stopHost?(lab: string, host: string): Promise<void>;
  /** Boots a stopped host and applies its plan again. */
  startHost?(lab: string, plan: HostPlan): Promise<void>;
  /** Runs a command inside a node with the caller's terminal; resolves to its exit code. */
  execInteractive(lab: string, node: string, argv: string[]): Promise<number>;
}
