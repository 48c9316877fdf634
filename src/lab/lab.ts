import type { Backend, LabPlan, Progress } from '../backends/backend.js';
import { InfraError } from '../errors.js';
import { throwIfInterrupted } from '../util/interrupt.js';

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
