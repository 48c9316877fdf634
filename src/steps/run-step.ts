import { TestbedError } from '../errors.js';
import type { Backend } from '../backends/backend.js';
import type { HostPlan } from '../dataplane/ops.js';
import { findNode, type Topology } from '../topology/topology.js';
import { resolveVeths } from './node-state.js';
import { kindOf, type Step } from './registry.js';
import type { Attempt, StepContext, StepResult } from './result.js';
import { pause } from '../util/interrupt.js';

const RETRY_PAUSE_MS = 200;

/** What a step runs with: the lab, its plans, and exec bound to the lab. */
export function stepContext(
  backend: Backend,
  topology: Topology,
  hosts: HostPlan[],
  labReadyAt: number | null = performance.now(),
): StepContext {
  return {
    backend,
    topology,
    hosts,
    labReadyAt,
    async exec(node, argv, options) {
      const result = await backend.exec(topology.lab, node, argv, options);
      if (result.unavailable) throw new Error(result.stderr);
      return result;
    },
  };
}

/** The name a step is reported under: its own, or its kind's default. */
export function stepName(ctx: Pick<StepContext, 'topology'>, step: Step): string {
  return step.name ?? resolveVeths(ctx.topology, kindOf(step).name(step));
}

/**
 * Runs one step, retrying until it passes or its `within` window (or its kind's default) closes.
 * A check that throws is a failed attempt carrying the error; only an interrupt ends the run.
 */
export async function runStep(ctx: StepContext, step: Step, index: number): Promise<StepResult> {
  const kind = kindOf(step);
  const started = performance.now();
  const deadline = started + (step.within ?? kind.within ?? 0) * 1000;
  let attempts = 0;
  let last: Attempt;
  for (;;) {
    attempts++;
    last = await attemptOnce(ctx, step);
    if (last.failures.length === 0 || performance.now() + RETRY_PAUSE_MS > deadline) break;
    await pause(RETRY_PAUSE_MS);
  }
  const passed = last.failures.length === 0;
  return {
    index,
    name: stepName(ctx, step),
    kind: kind.key,
    passed,
    durationMs: Math.round(performance.now() - started),
    attempts,
    ...last,
    ...(passed
      ? {}
      : {
          diagnostics: await diagnostics(
            ctx,
            kind.probes?.(step, ctx.topology) ?? [],
            involvedNodes(ctx, kind.nodes(step)),
          ),
        }),
  };
}

async function attemptOnce(ctx: StepContext, step: Step): Promise<Attempt> {
  try {
    return await kindOf(step).attempt(ctx, step);
  } catch (error) {
    if (error instanceof TestbedError && error.exitCode === 130) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { metrics: { error: message }, expected: {}, actual: {}, failures: [`error: ${message}`], error: message };
  }
}

/** A step that was not run, and why. */
export function skippedStep(ctx: Pick<StepContext, 'topology'>, step: Step, index: number, reason: string): StepResult {
  return {
    index,
    name: stepName(ctx, step),
    kind: kindOf(step).key,
    passed: false,
    skipped: true,
    skipReason: reason,
    durationMs: 0,
    attempts: 0,
    metrics: {},
    expected: {},
    actual: {},
    failures: [],
  };
}

/** The nodes whose state explains a step's outcome: the nodes it names and their hosts. */
export function involvedNodes(ctx: StepContext, named: string[]): string[] {
  const nodes = named.flatMap((name) => {
    const node = findNode(ctx.topology, name);
    if (!node) return [];
    return node.kind === 'workload' ? [name, node.host.name] : [name];
  });
  return [...new Set(nodes)];
}

const DUMP = 'for c in addr route neigh; do echo "\\$ ip $c"; ip $c; done';

/** What explains a failure: first the kind's own probes (how the ends route, BGP state), then full dumps of the nodes involved. */
async function diagnostics(
  ctx: StepContext,
  probes: { node: string; argv: string[] }[],
  nodes: string[],
): Promise<string> {
  const run = (node: string, argv: string[]) =>
    ctx.exec(node, argv).catch((error: Error) => ({ stdout: '', stderr: error.message }));
  const leads = await Promise.all(
    probes.map(async ({ node, argv }) => {
      const result = await run(node, argv);
      return `$ ${argv.join(' ')}   (on ${node})\n${(result.stdout + result.stderr).trimEnd()}`;
    }),
  );
  const dumps = await Promise.all(
    nodes.map(async (node) => {
      const result = await run(node, ['sh', '-c', DUMP]);
      return `--- ${node} ---\n${(result.stdout + result.stderr).trimEnd()}`;
    }),
  );
  return [...leads, ...dumps].join('\n');
}
