import { applyHostPlan } from '../backends/apply-plan.js';
import type { Attempt, StepContext } from './result.js';

/** Stops a host as if it lost power, or boots it and sets it up again from its plan. */
export async function powerHost(ctx: StepContext, host: string, on: boolean): Promise<Attempt> {
  const what = on ? 'startHost' : 'stopHost';
  const { backend, topology } = ctx;
  let failure: string | undefined;
  try {
    if (!backend.power) throw new Error(`the ${backend.profile.name} backend cannot stop and start hosts`);
    if (on) {
      await backend.power.start(topology.lab, host);
      await applyHostPlan(
        backend,
        topology.lab,
        ctx.hosts.find((p) => p.host === host)!,
      );
    } else {
      await backend.power.stop(topology.lab, host);
    }
  } catch (error) {
    failure = (error as Error).message;
  }
  return {
    metrics: { node: host },
    expected: { [what]: 'done' },
    actual: { [what]: failure ?? 'done' },
    failures: failure ? [`${what} ${host}: ${failure}`] : [],
  };
}
