import type { Backend, Progress } from '../backends/backend.js';
import { InterruptedError } from '../errors.js';

/**
 * Removes the labs whose owner is gone (a run killed by SIGKILL, an OOM, a CI timeout): complete
 * ones left behind, and half-built ones. A lab of `up` has no owner and is never reaped. Then
 * each backend tidies what it keeps for labs, should none be left (a Swarm testbed made).
 */
export async function reapOrphans(backends: Backend[], say: Progress): Promise<void> {
  for (const backend of backends) {
    const labs = await backend.list().catch(() => []);
    for (const lab of labs) {
      if (lab.state !== 'orphaned' || !lab.owner) continue;
      const why = `the run that made it (pid ${lab.owner.split(':')[0]}) is gone`;
      // Another run's leftover that will not go (a stale endpoint in dockerd) must not stop this
      // command: it is said, and the next command tries again.
      const removed = await backend.destroy(lab.lab).catch((error: unknown) => {
        if (error instanceof InterruptedError) throw error;
        say(`could not remove lab ${lab.lab} on ${backend.profile.name} (${why}): ${(error as Error).message}`);
        return false;
      });
      if (removed) say(`removed lab ${lab.lab} on ${backend.profile.name}: ${why}`);
    }
    await backend.tidy?.(say).catch(() => {});
  }
}
