import type { Step } from '../scenario/schema.js';
import { findNode } from '../topology/topology.js';
import { kindOf, stepKind } from './kinds.js';
import type { Attempt, StepContext, StepResult } from './result.js';
import { resolveVeths } from './state.js';

const RETRY_PAUSE_MS = 200;

/** Runs one step, retrying until it passes or its `within` window (or its kind's default) closes. */
export async function runStep(ctx: StepContext, step: Step, index: number): Promise<StepResult> {
  const kind = kindOf(step);
  const started = performance.now();
  const deadline = started + (step.within ?? kind.within ?? 0) * 1000;
  let attempts = 0;
  let last: Attempt;
  for (;;) {
    attempts++;
    last = await kind.attempt(ctx, step);
    if (last.failures.length === 0 || performance.now() + RETRY_PAUSE_MS > deadline) break;
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
  const passed = last.failures.length === 0;
  return {
    index,
    name: step.name ?? resolveVeths(ctx.topology, kind.name(step)),
    kind: stepKind(step),
    passed,
    durationMs: Math.round(performance.now() - started),
    attempts,
    ...last,
    ...(passed ? {} : { diagnostics: await diagnostics(ctx, involvedNodes(ctx, kind.nodes(step))) }),
  };
}

/** The nodes whose state explains a step's outcome: the nodes it names and their hosts. */
function involvedNodes(ctx: StepContext, named: string[]): string[] {
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
