import type { Step } from '../scenario/schema.js';
import { findNode } from '../topology/topology.js';
import { runPing } from './ping.js';
import type { Attempt, StepContext, StepResult } from './result.js';
import { checkNeighbour, checkRoute, checkSysctl, resolveVeths } from './state.js';

const RETRY_PAUSE_MS = 200;

export function stepKind(step: Step): StepResult['kind'] {
  if ('ping' in step) return 'ping';
  if ('route' in step) return 'route';
  if ('neighbour' in step) return 'neighbour';
  return 'sysctl';
}

/** The name a step gets when the scenario gives none. */
export function defaultStepName(step: Step): string {
  if ('ping' in step) return `ping ${step.ping.from} -> ${step.ping.to}${step.expect.reachable ? '' : ' (unreachable)'}`;
  if ('route' in step) {
    const r = step.route;
    const spec = [r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`, r.scope && `scope ${r.scope}`, r.proto && `proto ${r.proto}`];
    return `${r.node} route ${spec.filter(Boolean).join(' ')} ${step.expect}`;
  }
  if ('neighbour' in step) {
    const n = step.neighbour;
    return `${n.node} neighbour ${n.address}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${step.expect}`;
  }
  return `${step.sysctl.node} ${step.sysctl.key} = ${step.expect}`;
}

function attempt(ctx: StepContext, step: Step): Promise<Attempt> {
  if ('ping' in step) return runPing(ctx, step);
  if ('route' in step) return checkRoute(ctx, step);
  if ('neighbour' in step) return checkNeighbour(ctx, step);
  return checkSysctl(ctx, step);
}

/** Runs one step, retrying until it passes or its `within` window closes. */
export async function runStep(ctx: StepContext, step: Step, index: number): Promise<StepResult> {
  const started = performance.now();
  const deadline = started + (step.within ?? 0) * 1000;
  let attempts = 0;
  let last: Attempt;
  for (;;) {
    attempts++;
    last = await attempt(ctx, step);
    if (last.failures.length === 0 || performance.now() + RETRY_PAUSE_MS > deadline) break;
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
  const passed = last.failures.length === 0;
  return {
    index,
    name: step.name ?? resolveVeths(ctx.topology, defaultStepName(step)),
    kind: stepKind(step),
    passed,
    durationMs: Math.round(performance.now() - started),
    attempts,
    ...last,
    ...(passed ? {} : { diagnostics: await diagnostics(ctx, involvedNodes(ctx, step)) }),
  };
}

/** The nodes whose state explains a step's outcome: the nodes it names and their hosts. */
function involvedNodes(ctx: StepContext, step: Step): string[] {
  const named =
    'ping' in step
      ? [step.ping.from, step.ping.to]
      : 'route' in step
        ? [step.route.node]
        : 'neighbour' in step
          ? [step.neighbour.node]
          : [step.sysctl.node];
  const nodes = named.flatMap((name) => {
    const node = findNode(ctx.topology, name);
    if (!node) return [];
    return node.kind === 'workload' ? [name, node.host.name] : [name];
  });
  return [...new Set(nodes)];
}

const DUMP = 'for c in "addr" "route" "neigh"; do echo "\\$ ip $c"; ip $c; done';

async function diagnostics(ctx: StepContext, nodes: string[]): Promise<string> {
  const dumps = await Promise.all(
    nodes.map(async (node) => {
      const result = await ctx.backend.exec(ctx.topology.lab, node, ['sh', '-c', DUMP]);
      return `--- ${node} ---\n${(result.stdout + result.stderr).trimEnd()}`;
    }),
  );
  return dumps.join('\n');
}
