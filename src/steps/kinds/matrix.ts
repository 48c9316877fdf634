import { z } from 'zod';
import { family, nodeName, seconds, stepCommon, type Family } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { findNode, nodeAddress, type Node, type Topology } from '../../topology/topology.js';
import { availableParallelism } from 'node:os';
import { mapLimit } from '../../util/process.js';
import type { NeighbourTable } from '../../backends/neighbour-table.js';
import { tunnelTo } from '../../dataplane/encapsulation.js';
import { ICMP_PROBER, parseProber, type ProbeReply } from '../../net/icmp-prober.js';
import { neighbourEntriesOfMatrix, neighbourLimitFix } from '../probe/neighbour-budget.js';
import { defineStepKind } from '../kind.js';
import type { Attempt, StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  matrix: z
    .strictObject({
      among: z
        .array(nodeName)
        .min(2)
        .refine((names) => new Set(names).size === names.length, 'names a node twice')
        .optional()
        .describe(
          'Workloads (or hosts) that must reach each other, every ordered pair. Default: every workload with an address of the family.',
        ),
      family: family.describe("6: over IPv6, between the nodes' IPv6 addresses (the hop limit checked as ttl)."),
      count: z.number().int().min(1).max(100).default(1).describe('Echo requests per ordered pair.'),
      timeout: seconds.default(1).describe('Seconds to wait for each reply.'),
    })
    .describe(
      "Pings every ordered pair of nodes, all at once, and checks each reply's ttl against the topology: full reachability in one step.",
    ),
  expect: z
    .strictObject({
      reachable: z.boolean().default(true).describe('true: every pair must reach each other; false: no pair may.'),
      ttl: z
        .union([z.literal('topology'), z.literal('any'), z.number().int().min(1).max(255)])
        .default('topology')
        .describe('"topology": 63 on one host, 62 across hosts of a segment, 61 across segments; "any": not checked.'),
    })
    .default({ reachable: true, ttl: 'topology' }),
});

export type MatrixStep = z.output<typeof schema>;

export const matrix = defineStepKind({
  key: 'matrix',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.among([...path, 'matrix'], s.matrix.among, s.matrix.family);
  },
  name: (s) =>
    `every pair of ${s.matrix.among?.join(', ') ?? (s.matrix.family === 6 ? 'workloads with IPv6' : 'workloads')} ${s.expect.reachable ? 'reachable' : 'unreachable'}` +
    (s.matrix.family === 6 ? ' over IPv6' : ''),
  nodes: () => [],
  needs: () => [program('perl')],
  attempt: runMatrix,
  figures: (m) => `${m.reached}/${m.pairs} pairs answered, ${m.ttlMismatches} ttl mismatches, in ${m.matrixMs} ms`,
});

/** Probers running at once: a few per core, each one light process; more would only queue on the cores. */
const PROBER_CONCURRENCY = Math.min(16, Math.max(2, availableParallelism() * 2));
/**
 * Echo requests in flight at once, all probers together: enough to keep the kernel busy, few enough
 * that no queue (ARP's, a socket's) overflows on a busy machine. Each source keeps at least 8, so
 * where probers at once × sources per host exceed 128 the sum goes beyond it.
 */
const REQUESTS_IN_FLIGHT = 1024;
/** From this many ARP entries on, a matrix watches the kernel's table (reading it costs a container on docker). */
const WATCHED_NEIGHBOUR_ENTRIES = 256;
/** Seconds a prober may take beyond its sends and its wait for the last replies. */
const PROBER_SLACK_S = 30;
/** Failure lines reported in full; the rest are counted. */
const SHOWN_FAILURES = 10;

/**
 * Pure: the ttl a reply from `to` arrives at `from` with, counting the routers in between: the
 * hosts of workloads, and the fabric between segments unless a tunnel hides it. (A host's own
 * traffic to a workload of another host goes through its tunnel too.)
 */
export function expectedTtl(topology: Topology, from: Node, to: Node): number {
  if (from.host === to.host) return from.kind === 'workload' && to.kind === 'workload' ? 63 : 64;
  const routers = (from.kind === 'workload' ? 1 : 0) + (to.kind === 'workload' ? 1 : 0);
  // The reply is what arrives: to a workload, through the tunnel its pool says; to a host, through
  // the tunnel when the host sent its request into it (from its tunnel address).
  const tunnel =
    from.kind === 'workload'
      ? tunnelTo(topology, to.host, from.workload)
      : to.kind === 'workload'
        ? tunnelTo(topology, from.host, to.workload)
        : undefined;
  const tunnelled = tunnel !== undefined;
  return 64 - routers - (from.host.segment === to.host.segment || tunnelled ? 0 : 1);
}

const nameOf = (n: Node) => (n.kind === 'host' ? n.host.name : n.workload.name);

function members(topology: Topology, step: MatrixStep): Node[] {
  const names =
    step.matrix.among ??
    topology.workloads.filter((w) => (step.matrix.family === 4 ? w.address : w.address6)).map((w) => w.name);
  return names.map((n) => findNode(topology, n)!);
}

/**
 * Probes from every source to every other node: one prober per host, started in the host, with a
 * socket in each of the host's sources' namespaces (a process, let alone a `docker exec`, per
 * source costs more than the probing). Resolves to the replies by source name, then by target.
 */
async function probeAll(
  ctx: StepContext,
  nodes: Node[],
  count: number,
  timeout: number,
  family: Family,
): Promise<Map<string, Map<string, ProbeReply>>> {
  const address = (n: Node) => nodeAddress(n, family);
  const byHost = new Map<Node['host'], Node[]>();
  for (const n of nodes) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n]);
  const running = Math.min(PROBER_CONCURRENCY, byHost.size);
  const targets = nodes.map(address);
  const replies = new Map<string, Map<string, ProbeReply>>();
  await mapLimit([...byHost], PROBER_CONCURRENCY, async ([host, sources]) => {
    const namespace = (n: Node) =>
      n.kind === 'host' ? '-' : ctx.backend.profile.namespacePath(ctx.topology.lab, n.workload.name);
    const window = Math.max(8, Math.floor(REQUESTS_IN_FLIGHT / running / sources.length));
    const argv = ['perl', '-', String(window), String(count), String(timeout), String(sources.length)];
    for (const source of sources) argv.push(nameOf(source), namespace(source), address(source));
    argv.push(...targets);
    // Long enough for every request to go unanswered, a window at a time.
    const timeoutMs = (Math.ceil((count * targets.length) / window) * (timeout + 0.1) + PROBER_SLACK_S) * 1000;
    const result = await ctx.exec(host.name, argv, { input: ICMP_PROBER, timeoutMs });
    if (result.code !== 0)
      throw new Error(`the prober on ${host.name} failed: ${(result.stderr || result.stdout).trim()}`);
    for (const [source, bySource] of parseProber(result.stdout)) replies.set(source, bySource);
  });
  return replies;
}

/** Why replies were lost, when the kernel's ARP table (one for all namespaces) was full meanwhile. */
async function tableOverflow(ctx: StepContext, before: NeighbourTable, entries: number): Promise<string[]> {
  const after = await ctx.backend.neighbourTable?.(ctx.topology.lab);
  if (!after || after.fulls === before.fulls) return [];
  return [
    `the kernel's ARP table was full ${after.fulls - before.fulls} times meanwhile, and dropped what it could not resolve: ` +
      `it holds ${after.limit} entries for all namespaces together (net.ipv4.neigh.default.gc_thresh3), this matrix needs about ${entries}; ` +
      `make room with: ${neighbourLimitFix(entries)}`,
  ];
}

/** Every ordered pair of `among`, each judged by reachability and the ttl of its replies. */
// eslint-disable-next-line max-lines-per-function -- probe, then judge every pair in one table; the parts share the pairs
async function runMatrix(ctx: StepContext, step: MatrixStep): Promise<Attempt> {
  const { count, timeout, family } = step.matrix;
  const { reachable: wantReachable, ttl: wantTtl } = step.expect;
  const nodes = members(ctx.topology, step);
  const started = performance.now();
  const failures: string[] = [];
  let reached = 0;
  let ttlMismatches = 0;
  const rtts: number[] = [];

  const entries = neighbourEntriesOfMatrix(nodes);
  // The budget is the IPv4 table's (IPv6 has its own, and no proxy to fill it).
  const tableBefore =
    family === 4 && entries >= WATCHED_NEIGHBOUR_ENTRIES
      ? await ctx.backend.neighbourTable?.(ctx.topology.lab)
      : undefined;
  const replies = await probeAll(ctx, nodes, count, timeout, family);
  for (const from of nodes) {
    for (const to of nodes.filter((n) => n !== from)) {
      const reply = replies.get(nameOf(from))?.get(nodeAddress(to, family));
      const answered = reply !== undefined && reply.received > 0;
      if (answered) {
        reached++;
        if (reply.rtt) rtts.push(reply.rtt.max);
      }
      if (!wantReachable) {
        if (answered) failures.push(`${nameOf(from)} -> ${nameOf(to)}: reachable, expected unreachable`);
        continue;
      }
      if (!answered) {
        failures.push(`${nameOf(from)} -> ${nameOf(to)}: unreachable${reply?.error ? ` (${reply.error})` : ''}`);
        continue;
      }
      const ttl = wantTtl === 'topology' ? expectedTtl(ctx.topology, from, to) : wantTtl;
      if (ttl !== 'any' && (reply.ttls.length !== 1 || reply.ttls[0] !== ttl)) {
        ttlMismatches++;
        failures.push(`${nameOf(from)} -> ${nameOf(to)}: ttl expected ${ttl}, actual ${reply.ttls.join('/')}`);
      }
    }
  }

  const pairs = nodes.length * (nodes.length - 1);
  const shown = failures.sort().slice(0, SHOWN_FAILURES);
  if (failures.length > SHOWN_FAILURES) shown.push(`... and ${failures.length - SHOWN_FAILURES} more`);
  if (tableBefore && failures.length > 0) shown.unshift(...(await tableOverflow(ctx, tableBefore, entries)));
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
