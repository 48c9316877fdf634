import { applyHostPlan } from '../backends/apply-plan.js';
import type { Backend, Progress } from '../backends/backend.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import { LabExistsError } from '../errors.js';
import { throwIfInterrupted, wasInterrupted } from '../util/interrupt.js';
import { mapLimit } from '../util/process.js';

/**
 * Builds the lab: the backend makes the segments and the bare hosts, and one shared path applies
 * every host's plan. If building fails or is interrupted, whatever was made is removed; a failure
 * that is no interrupt is first shown to `beforeRemoval` (which may add to its message).
 */
export async function buildLab(
  backend: Backend,
  plan: LabPlan,
  progress: Progress,
  beforeRemoval?: (error: unknown) => Promise<unknown>,
): Promise<void> {
  const { lab } = plan.topology;
  if (await backend.exists(lab)) throw new LabExistsError(lab, backend.profile.name);
  // Until the name is ours, nothing of this lab is: a failure here removes nothing.
  await backend.claim(plan, progress);
  try {
    // A signal during the claim: what the claim made is ours now, and removed.
    throwIfInterrupted();
    await backend.createLab(plan, progress);
    await mapLimit(plan.hosts, backend.profile.hostConcurrency, async (host) => {
      throwIfInterrupted();
      await backend.createHost?.(plan, host.host);
      throwIfInterrupted();
      await applyHostPlan(backend, lab, host);
      progress(`${host.host} ready`);
    });
    throwIfInterrupted();
    await backend.awaitSegments?.(plan, progress);
    await backend.markReady(plan);
  } catch (error) {
    const shown = wasInterrupted() || !beforeRemoval ? error : await beforeRemoval(error);
    await backend.destroy(lab);
    throw shown;
  }
}
