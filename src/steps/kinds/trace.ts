import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WORKLOAD_GATEWAY } from '../../dataplane/host-plan.js';
import { family, nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { findNode, nodeAddress } from '../../topology/topology.js';
import { defineStepKind } from '../kind.js';
import { pathProbes } from '../probes.js';
import { waitEnded } from '../wait-ended.js';
import { compare, type Attempt, type StepContext } from '../result.js';
import { arpAnswer, ndAnswer, parseTcpdump, tracePath, type Encapsulation, type Hop } from '../tcpdump-output.js';

const schema = z
  .strictObject({
    ...stepCommon,
    trace: z
      .strictObject({
        from: nodeName.describe('The node that sends one echo request.'),
        to: nodeName.describe('The node it is sent to.'),
        family: family.describe(
          "6: the echo request goes between the nodes' IPv6 addresses (the hop limit read as ttl).",
        ),
      })
      .describe(
        'Sends one echo request and reads it with tcpdump in every namespace on its way: the hops, the ttl on each link, the proxy ARP answer, the encapsulation between hosts.',
      ),
    expect: z
      .strictObject({
        hops: z
          .array(nodeName)
          .min(1)
          .optional()
          .describe("The nodes the echo request crosses, in order, e.g. ['ns0', 'host0', 'host1', 'ns1']."),
        ttls: z
          .array(z.number().int().min(0).max(255))
          .min(1)
          .optional()
          .describe('The ttl on each link between them, e.g. [64, 63, 62].'),
        proxyArp: z
          .boolean()
          .optional()
          .describe('The gateway 169.254.1.1 was asked for and answered by proxy ARP (a workload sender only, IPv4).'),
        encapsulation: z
          .enum(['none', 'ipip', 'vxlan'])
          .optional()
          .describe('The header the packet wore between the hosts: "none" (routed as it is), "ipip" or "vxlan".'),
      })
      .default({}),
  })
  .refine((s) => s.trace.family === 4 || s.expect.proxyArp === undefined, {
    message: "proxy ARP is IPv4's: over IPv6 the workload's gateway is a link-local address its host end really has",
    path: ['expect', 'proxyArp'],
  });

export type TraceStep = z.output<typeof schema>;

export const trace = defineStepKind({
  key: 'trace',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.sends([...path, 'trace'], s.trace);
    s.expect.hops?.forEach((n, i) => refs.node([...path, 'expect', 'hops', i], n));
  },
  name: (s) => `trace ${s.trace.from} -> ${s.trace.to}${s.trace.family === 6 ? ' over IPv6' : ''}`,
  nodes: (s) => [s.trace.from, s.trace.to],
  probes: (s, topology) => pathProbes(topology, s.trace.from, s.trace.to, s.trace.family),
  needs: () => [program('tcpdump'), program('ping'), program('sh'), program('ip')],
  attempt: runTrace,
  figures(m) {
    if (!m.hops) {
      // Why nothing left the sender is the lesson: its gateway's address was never resolved.
      const unanswered =
        m.arpAsked && !m.arpAnswer ? 'ARP' : m.ndAsked && !m.ndAnswer ? 'neighbour discovery' : undefined;
      return `the echo request was seen nowhere${unanswered ? `: ${unanswered} for ${String(m.gateway)} went unanswered` : ''}`;
    }
    const arp = m.arpAnswer
      ? `; ${WORKLOAD_GATEWAY} answered by ${m.arpAnswer} (proxy ARP)`
      : m.ndAnswer
        ? `; ${m.gateway} advertised by ${m.ndAnswer} (neighbour discovery)`
        : '';
    const tunnel = m.tunnel ? `; between the hosts inside ${m.tunnel}` : '';
    return `${String(m.hops).split(',').join(' → ')}, ttl ${String(m.ttls).split(',').join(' → ')}${arp}${tunnel}`;
  },
  view: {
    /** The packet's way drawn hop by hop: each node, and the ttl on each link. */
    html(m, escape) {
      const hops = String(m.hops ?? '')
        .split(',')
        .filter(Boolean);
      const ttls = String(m.ttls ?? '')
        .split(',')
        .filter(Boolean);
      if (hops.length === 0) return '';
      const parts = hops.flatMap((hop, i) => [
        `<span class="hop">${escape(hop)}</span>`,
        ...(i < hops.length - 1 ? [`<span class="link">— ttl ${escape(ttls[i] ?? '?')} →</span>`] : []),
      ]);
      const arp = m.arpAnswer
        ? `<div class="link">${WORKLOAD_GATEWAY} answered by ${escape(String(m.arpAnswer))} (proxy ARP)</div>`
        : '';
      return `<div class="trace" data-trace>${parts.join('')}</div>${arp}`;
    },
    open: true,
    inSummary: true,
  },
});

/** Starts tcpdump on a node ($1: output, $2: errors) and prints its pid once it listens; fails if it does not within 10 s. */
const START =
  'tcpdump --immediate-mode -l -n -e -v -i any "icmp or icmp6 or arp or ip proto 4 or udp port 4789" </dev/null >"$1" 2>"$2" & pid=$!; ' +
  'for i in $(seq 200); do if grep -q listening "$2" 2>/dev/null; then echo $pid; exit 0; fi; sleep 0.05; done; ' +
  'kill $pid 2>/dev/null; cat "$2" >&2; rm -f "$1" "$2"; exit 1';
/**
 * Stops it ($3: pid) once it has read everything before this moment, waits for it to flush, prints
 * what it saw, and removes its files. tcpdump drops what it has not read yet when SIGINT comes (on a
 * busy machine, the very echo request of the trace), and it reads in order: so an echo request to
 * the loopback address goes last, and the stop waits (5 s at most) until tcpdump has printed it.
 */
const STOP =
  'ping -n -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; ' +
  `for i in $(seq 100); do grep -q '127.0.0.1 > 127.0.0.1: ICMP echo request' "$1" && break; sleep 0.05; done; ` +
  `kill -INT "$3" 2>/dev/null; ${waitEnded('$3', 2)}; cat "$1"; rm -f "$1" "$2"`;

/** The nodes a packet from `from` to `to` may cross: the workloads and their hosts, in order. */
function pathNodes(ctx: StepContext, from: string, to: string): string[] {
  const ends = [findNode(ctx.topology, from)!, findNode(ctx.topology, to)!];
  const nodes = [from, ends[0]!.host.name, ends[1]!.host.name, to];
  return nodes.filter((n, i) => nodes.indexOf(n) === i);
}

/**
 * One echo request from `from` to `to`, watched by tcpdump in every namespace along the way:
 * the path it took, the ttl on each link, and how the sender resolved its gateway.
 */
async function runTrace(ctx: StepContext, step: TraceStep): Promise<Attempt> {
  const { from, to, family } = step.trace;
  const sender = findNode(ctx.topology, from)!;
  const src = nodeAddress(sender, family);
  const dst = nodeAddress(findNode(ctx.topology, to)!, family);
  const tag = `${ctx.topology.lab}-${randomBytes(4).toString('hex')}`;
  const nodes = pathNodes(ctx, from, to);
  const files = (node: string) => [`/tmp/testbed-trace-${tag}-${node}.out`, `/tmp/testbed-trace-${tag}-${node}.err`];
  const started = await Promise.all(nodes.map((node) => ctx.exec(node, ['sh', '-c', START, 'sh', ...files(node)])));
  const stop = () =>
    Promise.all(
      nodes.map((node, i) => ctx.exec(node, ['sh', '-c', STOP, 'sh', ...files(node), started[i]!.stdout.trim()])),
    );
  let stopped;
  let ping;
  try {
    const failed = started.findIndex((r) => r.code !== 0);
    if (failed >= 0)
      throw new Error(
        `tcpdump did not start on ${nodes[failed]}: ${started[failed]!.stderr.trim() || `exit ${started[failed]!.code}`}`,
      );
    // The sender forgets its gateway's address first, so that the trace shows how it is resolved.
    if (sender.kind === 'workload')
      await ctx.exec(from, ['ip', `-${family}`, 'neigh', 'flush', 'dev', sender.workload.interface]);
    ping = await ctx.exec(from, ['ping', '-n', '-c', '1', '-W', '2', dst], { timeoutMs: 10_000 });
  } finally {
    stopped = await stop();
  }
  const captures = nodes.map((node, i) => ({ node, packets: parseTcpdump(stopped[i]!.stdout) }));
  const hops = tracePath(captures, src, dst);
  const gateway =
    sender.kind === 'workload' ? (family === 6 ? sender.workload.gateway6! : WORKLOAD_GATEWAY) : undefined;
  const asked =
    gateway === undefined ? { asked: false } : (family === 6 ? ndAnswer : arpAnswer)(captures[0]!.packets, gateway);
  return judge(step, hops, { family, gateway, ...asked }, ping.code === 0);
}

function describeTunnel(outer: Encapsulation): string {
  const ends = `${outer.src} → ${outer.dst}`;
  return outer.kind === 'vxlan' ? `VXLAN (UDP 4789, vni ${outer.vni}, ${ends})` : `IPIP (protocol 4, ${ends})`;
}

/** How the sender found its gateway's MAC: by ARP (IPv4, answered by proxy), or by neighbour discovery (IPv6). */
export interface GatewayLookup {
  family: 4 | 6;
  gateway?: string;
  asked: boolean;
  answer?: string;
}

/** Pure: the trace against its expectation. */
export function judge(step: TraceStep, hops: Hop[], lookup: GatewayLookup, answered: boolean): Attempt {
  const names = hops.map((h) => h.node);
  // The ttl on each link: what the packet left a node with.
  const ttls = hops.slice(0, -1).map((h) => h.out?.ttl ?? h.in!.ttl);
  const path = hops
    .map(
      (h) =>
        `${h.node}${h.in ? ` in ${h.in.iface} ttl ${h.in.ttl}` : ''}${h.out ? ` out ${h.out.iface} ttl ${h.out.ttl}` : ''}`,
    )
    .join('; ');
  const outer = hops.find((h) => h.outer)?.outer;
  const encapsulation = outer?.kind ?? 'none';
  const metrics = {
    hops: names.join(',') || null,
    encapsulation,
    tunnel: outer ? describeTunnel(outer) : null,
    ttls: ttls.join(',') || null,
    path: path || null,
    answered,
    gateway: lookup.gateway ?? null,
    ...(lookup.family === 6
      ? { ndAsked: lookup.asked, ndAnswer: lookup.answer ?? null }
      : { arpAsked: lookup.asked, arpAnswer: lookup.answer ?? null }),
  };
  const e = step.expect;
  const expected: Attempt['expected'] = {};
  const actual: Attempt['actual'] = {};
  const failures: string[] = [];
  if (e.hops) {
    expected.hops = e.hops.join(' → ');
    actual.hops = names.join(' → ') || 'none';
    failures.push(...compare('hops', expected.hops, actual.hops, expected.hops === actual.hops));
  }
  if (e.ttls) {
    expected.ttls = e.ttls.join(' → ');
    actual.ttls = ttls.join(' → ') || 'none';
    failures.push(...compare('ttls', expected.ttls, actual.ttls, expected.ttls === actual.ttls));
  }
  if (e.encapsulation !== undefined) {
    expected.encapsulation = e.encapsulation;
    actual.encapsulation = encapsulation;
    failures.push(...compare('encapsulation', e.encapsulation, encapsulation, encapsulation === e.encapsulation));
  }
  if (e.proxyArp !== undefined) {
    const proxied = lookup.asked && lookup.answer !== undefined;
    expected.proxyArp = e.proxyArp;
    actual.proxyArp = proxied;
    failures.push(...compare('proxyArp', e.proxyArp, proxied, proxied === e.proxyArp));
  }
  return { metrics, expected, actual, failures };
}
