import type { Attempt, StepContext } from './result.js';

/** Stops a host as if it lost power, or boots it and sets it up again, through the backend. */
export async function powerHost(ctx: StepContext, host: string, on: boolean): Promise<Attempt> {
  const what = on ? 'startHost' : 'stopHost';
  const { backend, topology } = ctx;
  let failure: string | undefined;
  if (!backend.stopHost || !backend.startHost) failure = `the ${backend.name} backend cannot stop and start hosts`;
  else {
    try {
      if (on) await backend.startHost(topology.lab, ctx.hosts.find((p) => p.host === host)!);
      else await backend.stopHost(topology.lab, host);
    } catch (error) {
      failure = (error as Error).message;
    }
  }
  return {
    metrics: { node: host },
    expected: { [what]: 'done' },
    actual: { [what]: failure ?? 'done' },
    failures: failure ? [`${what} ${host}: ${failure}`] : [],
  };
}
