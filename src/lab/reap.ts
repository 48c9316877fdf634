import type { Backend, Progress } from '../backends/backend.js';

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
      if (await backend.destroy(lab.lab)) {
        say(
          `removed lab ${lab.lab} on ${backend.profile.name}: the run that made it (pid ${lab.owner.split(':')[0]}) is gone`,
        );
      }
    }
    await backend.tidy?.(say).catch(() => {});
  }
}
