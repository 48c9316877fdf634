import type { Backend, LabPlan, LabSpec, Progress } from '../backends/backend.js';
import { InfraError, UsageError } from '../errors.js';
import { loadScenario } from '../scenario/load.js';
import { labName } from '../scenario/schema.js';
import { resolveTopology } from '../topology/topology.js';
import { throwIfInterrupted } from '../util/interrupt.js';

/** Loads and validates a scenario and resolves it into the lab `name`, touching nothing. */
export async function loadLab(file: string, name?: string): Promise<LabSpec> {
  const { scenario } = await loadScenario(file);
  if (name !== undefined) {
    const check = labName.safeParse(name);
    if (!check.success) throw new UsageError(`--name "${name}" ${check.error.issues[0]!.message}`);
  }
  return { topology: resolveTopology(scenario, name ?? scenario.name), scenarioFile: file };
}

/** Builds the lab; if building fails or is interrupted, removes whatever was made and rethrows. */
export async function buildLab(backend: Backend, plan: LabPlan, progress: Progress): Promise<void> {
  const { lab } = plan.topology;
  if (await backend.exists(lab)) {
    throw new InfraError(`lab "${lab}" already exists on ${backend.name}; remove it with: testbed down ${lab}`);
  }
  try {
    await backend.create(plan, progress);
    throwIfInterrupted();
  } catch (error) {
    await backend.destroy(plan.topology.lab);
    throw error;
  }
}
