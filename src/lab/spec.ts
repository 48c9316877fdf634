import type { Step } from '../steps/registry.js';
import type { Topology } from '../topology/topology.js';

/** A validated scenario resolved into a named lab; nothing backend-specific yet. */
export interface LabSpec {
  topology: Topology;
  /** The scenario's steps, run in order once the lab is up. */
  steps: Step[];
  /** The scenario file, recorded so `ls` can say where a lab came from. */
  scenarioFile: string;
  /** Per backend, the options the scenario sets for it (`backendOptions`). */
  backendOptions: Record<string, Record<string, unknown>>;
}
