import { z } from 'zod';
import { nodeName, seconds, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { findNode, nodeAddress, type Node, type Topology } from '../../topology/topology.js';
import { mapLimit } from '../../util/process.js';
import { defineStepKind } from '../kind.js';
import type { Attempt, StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  matrix: z.strictObject({
    /** Workloads (or hosts) that must reach each other, every ordered pair. Default: every workload. */
    among: z.array(nodeName).min(2).refine((names) => new Set(names).size === names.length, 'names a node twice').optional(),
    count: z.number().int().min(1).max(100).default(1),
    /** Seconds to wait for each reply. */
    timeout: seconds.default(1),
  }),
  expect: z
    .strictObject({
      reachable: z.boolean().default(true),
      /** "topology": 63 on one host, 62 across hosts of a segment, 61 across segments; "any": not checked. */
      ttl: z.union([z.literal('topology'), z.literal('any'), z.number().int().min(1).max(255)]).default('topology'),
    })
    .default({ reachable: true, ttl: 'topology' }),
});

export type MatrixStep = z.output<typeof schema>;

export const matrix = defineStepKind({
  key: 'matrix',
  schema,
  references(s, refs, path) {
    s.matrix.among?.forEach((n, j) => refs.node([...path, 'matrix', 'among', j], n));
  },
  name: (s) => `every pair of ${s.matrix.among?.join(', ') ?? 'workloads'} ${s.expect.reachable ? 'reachable' : 'unreachable'}`,
  nodes: () => [],
  needs: () => [program('ping'), program('sh')],
  attempt: runMatrix,
  figures: (m) => `${m.reached}/${m.pairs} pairs answered, ${m.ttlMismatches} ttl mismatches, in ${m.matrixMs} ms`,
});

/** Sources pinged from at once; each runs its pings to every target in parallel. */
const SOURCE_CONCURRENCY = 8;
/** Failure lines reported in full; the rest are counted. */
const SHOWN_FAILURES = 10;

/** Pure: the ttl a reply from `to` arrives at `from` with, counting the routers in between. */
export function expectedTtl(from: Node, to: Node): number {
  const hostOf = (n: Node) => n.host;
  if (hostOf(from) === hostOf(to)) return from.kind === 'workload' && to.kind === 'workload' ? 63 : 64;
  const routers = (from.kind === 'workload' ? 1 : 0) + (to.kind === 'workload' ? 1 : 0);
  return 64 - routers - (hostOf(from).segment === hostOf(to).segment ? 0 : 1);
}

/** Pure: the first reply per target in the interleaved output of parallel `ping -n` runs. */
export function parseReplies(text: string): Map<string, { ttl: number; rttMs: number }> {
  const replies = new Map<string, { ttl: number; rttMs: number }>();
  for (const m of text.matchAll(/^\d+ bytes from ([\d.]+): icmp_seq=\d+ ttl=(\d+) time=([\d.]+) ms/gm)) {
    if (!replies.has(m[1]!)) replies.set(m[1]!, { ttl: Number(m[2]), rttMs: Number(m[3]) });
  }
  return replies;
}

function members(topology: Topology, step: MatrixStep): Node[] {
  const names = step.matrix.among ?? topology.workloads.map((w) => w.name);
  return names.map((n) => findNode(topology, n)!);
}

/** Every ordered pair of `among`: one exec per source, all its pings in parallel inside it. */
async function runMatrix(ctx: StepContext, step: MatrixStep): Promise<Attempt> {
  const { count, timeout } = step.matrix;
  const { reachable: wantReachable, ttl: wantTtl } = step.expect;
  const nodes = members(ctx.topology, step);
  const name = (n: Node) => (n.kind === 'host' ? n.host.name : n.workload.name);
  const started = performance.now();
  const failures: string[] = [];
  let reached = 0;
  let ttlMismatches = 0;
  const rtts: number[] = [];

  await mapLimit(nodes, SOURCE_CONCURRENCY, async (from) => {
    const targets = nodes.filter((n) => n !== from);
    const pings = targets.map((t) => `ping -n -c ${count} -W ${timeout} ${nodeAddress(t)} &`).join(' ');
    const result = await ctx.exec(name(from), ['sh', '-c', `${pings} wait`], {
      timeoutMs: (count + timeout + 30) * 1000,
    });
    const replies = parseReplies(result.stdout);
    for (const to of targets) {
      const reply = replies.get(nodeAddress(to));
      if (reply) {
        reached++;
        rtts.push(reply.rttMs);
      }
      if (!wantReachable) {
        if (reply) failures.push(`${name(from)} -> ${name(to)}: reachable, expected unreachable`);
        continue;
      }
      if (!reply) {
        failures.push(`${name(from)} -> ${name(to)}: unreachable`);
        continue;
      }
      const ttl = wantTtl === 'topology' ? expectedTtl(from, to) : wantTtl;
      if (ttl !== 'any' && reply.ttl !== ttl) {
        ttlMismatches++;
        failures.push(`${name(from)} -> ${name(to)}: ttl expected ${ttl}, actual ${reply.ttl}`);
      }
    }
  });

  const pairs = nodes.length * (nodes.length - 1);
  const shown = failures.sort().slice(0, SHOWN_FAILURES);
  if (failures.length > SHOWN_FAILURES) shown.push(`... and ${failures.length - SHOWN_FAILURES} more`);
  return {
    metrics: {
      pairs,
      reached,
      ttlMismatches,
      rttMaxMs: rtts.length > 0 ? Math.max(...rtts) : null,
      matrixMs: Math.round(performance.now() - started),
    },
    expected: { reachable: wantReachable ? pairs : 0, ttl: wantTtl },
    actual: { reachable: reached, ttlMismatches },
    failures: shown,
  };
}
