import type { BackendProfile } from '../backends/backend.js';
import { planLab, type LabPlan } from '../dataplane/lab-plan.js';
import { ScenarioError } from '../errors.js';
import { fromZod } from '../steps/scenario.js';
import type { LabSpec } from './spec.js';

/**
 * The plan of a lab for a backend, with the backend's options: the scenario's own
 * (`backendOptions.<backend>`), overridden by what the command line set.
 */
export function planFor(
  profile: BackendProfile,
  spec: LabSpec,
  flags: Record<string, unknown> = {},
  owner?: string,
): LabPlan {
  const set = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const options = profile.options.safeParse({ ...spec.backendOptions[profile.name], ...set });
  if (!options.success) {
    throw new ScenarioError(spec.scenarioFile, fromZod(options.error, ['backendOptions', profile.name]));
  }
  const plan = planLab(spec.topology, spec.scenarioFile, profile, options.data);
  return owner === undefined ? plan : { ...plan, owner };
}
