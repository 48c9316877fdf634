import type { NeighbourTable } from './neighbour-table.js';
import type { z } from 'zod';
import type { LabPlan, PlanProfile } from '../dataplane/lab-plan.js';
import type { BackendCapability } from '../requirements/requirement.js';
import type { ProcessResult, RunOptions } from '../util/process.js';

/** A lab found on the system by `ls`/`down`, without any state file. */
export interface LabSummary {
  lab: string;
  backend: string;
  nodes: string[];
  scenario?: string;
  created?: string;
  /** complete; building (its owner still builds it); partial (a build without owner that stopped: `up`); orphaned (its run is gone). */
  state: LabState;
  /** The process that made it and removes it (`pid:starttime`); none for a lab of `up`. */
  owner?: string;
}

export type LabState = 'complete' | 'building' | 'partial' | 'orphaned';

/** The state of a lab from what the system holds: whether its build finished, and whether its owner lives. */
export function labState(ready: boolean, owner: string | undefined, alive: (owner: string) => boolean): LabState {
  // A lab whose run is gone is orphaned however far it got: the next testbed command reaps it.
  if (owner !== undefined && !alive(owner)) return 'orphaned';
  if (ready) return 'complete';
  return owner === undefined ? 'partial' : 'building';
}

export type Progress = (message: string) => void;

/** A command-line flag a backend takes. */
export interface BackendFlag {
  type: 'boolean' | 'string' | 'number';
  array?: boolean;
  describe: string;
  /** Read by the runtime (where its engines are), not an option of the lab. */
  runtime?: true;
}

/**
 * What a backend is, as data: what it can do, where its hosts' programs come from, how the
 * shared planner shapes plans for it, and the options it takes. Read without building anything.
 */
export interface BackendProfile extends PlanProfile {
  readonly name: string;
  /** One line for --help. */
  readonly description: string;
  /** What this backend can do beyond building hosts on one segment. */
  readonly capabilities: readonly BackendCapability[];
  /** Where the programs that hosts run come from, and how to get a missing one: for messages. */
  readonly programHome: { where: string; fix: string };
  /** Hosts set up at once. */
  readonly hostConcurrency: number;
  /** How many hosts one segment can hold here, and why not more; absent when only addresses limit it. */
  readonly hostsPerSegment?: { max: number; why: string };
  /**
   * `backend`: the backend makes every namespace before the host plans run (they name them
   * through `namespaceName`); `plan`: each host plan makes its workloads' namespaces itself.
   */
  readonly namespaces: 'backend' | 'plan';
  /** The name a node's namespace has where its host's plan runs. */
  namespaceName(lab: string, node: string): string;
  /** The file of a node's network namespace, as commands on its host see it (`nsenter --net=…`). */
  namespacePath(lab: string, node: string): string;
  /** The options this backend takes (scenario `backendOptions.<name>`, command-line flags). */
  readonly options: z.ZodType<Record<string, unknown>>;
  /** What the schema cannot check alone: options against the scenario's host names. */
  checkOptions?(options: Record<string, unknown>, hosts: string[]): { path: string; message: string }[];
  /** Command-line flags that set options (and settings of the runtime, such as swarm's engines), as yargs describes them. */
  readonly flags: Record<string, BackendFlag>;
}

/**
 * A way to realise hosts: a thin runtime. It creates segments and bare hosts, runs commands in
 * nodes, and removes everything carrying the lab's name. Host plans are applied by one shared
 * path (src/lab/build.ts) through `exec`.
 */
export interface Backend {
  readonly profile: BackendProfile;
  /** Throws InfraError with a one-line reason when this backend cannot work here. */
  preflight(): Promise<void>;
  /**
   * Runs a shell script where this backend's hosts run, in a fresh network namespace that
   * vanishes with it: the preflight's probe of programs and kernel features. What it leaves
   * when the process is killed belongs to `lab`, and goes with it.
   */
  probe(script: string, progress: Progress, lab: string): Promise<ProcessResult>;
  /**
   * Removes what the backend keeps for labs once none is left (the swarm backend: the Swarm
   * membership testbed made), also where a run was killed before its lab had anything.
   */
  tidy?(progress: Progress): Promise<void>;
  /** Whether any resource of the lab exists. */
  exists(lab: string): Promise<boolean>;
  /**
   * Claims the lab's name with one exclusive create (the lab's first resource), throwing
   * LabExistsError when it is taken: of two builds of one name exactly one goes on, and a build
   * that fails here has made nothing of the lab (so it removes nothing).
   */
  claim(plan: LabPlan, progress: Progress): Promise<void>;
  /** Creates what the hosts plug into (segments); on failure leaves what it made for `destroy`. */
  createLab(plan: LabPlan, progress: Progress): Promise<void>;
  /**
   * Creates one host, bare but for its uplink as the profile says it arrives, ready for its plan;
   * absent where `createLab` makes every host at once.
   */
  createHost?(plan: LabPlan, host: string): Promise<void>;
  /**
   * Waits until the hosts of each segment reach each other, where a segment's links come up on
   * their own time after the hosts do (Swarm's overlay); throws InfraError when they never do.
   */
  awaitSegments?(plan: LabPlan, progress: Progress): Promise<void>;
  /** Records on the lab that its build finished (`ls` tells a complete lab from a partial one). */
  markReady(plan: LabPlan): Promise<void>;
  /** Removes every resource of the lab; false when there was nothing. Idempotent. */
  destroy(lab: string): Promise<boolean>;
  list(): Promise<LabSummary[]>;
  /**
   * Runs a command inside a node and captures its output. A node that cannot run it (stopped,
   * gone) is a failed command (exit code 125 and the reason on stderr), not an exception.
   */
  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult>;
  /** Runs a command inside a node with the caller's terminal; resolves to its exit code. */
  execInteractive(lab: string, node: string, argv: string[]): Promise<number>;
  /**
   * The kernel's neighbour table where the hosts run (one for all their namespaces); absent, or
   * undefined, where it cannot be read. What reading it leaves when the process is killed goes with `lab`.
   */
  neighbourTable?(lab: string): Promise<NeighbourTable | undefined>;
  /**
   * The firewall rules testbed added for the lab where the hosts run, as the firewall prints them;
   * absent where the backend adds none. What reading them leaves when the process is killed goes with `lab`.
   */
  firewallRules?(lab: string): Promise<string>;
  /** A host's own log (its container's output, with timestamps); absent where hosts have none. */
  hostLogs?(lab: string, host: string): Promise<string>;
  /** Where the profile has the `power` capability: a host off as if it lost power, and on again (bare). */
  readonly power?: {
    stop(lab: string, host: string): Promise<void>;
    start(lab: string, host: string): Promise<void>;
  };
}
