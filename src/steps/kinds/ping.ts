import { z } from 'zod';
import { family, nodeName, seconds, stepCommon, type Family } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { findNode, nodeAddress } from '../../topology/topology.js';
import { defineStepKind } from '../kind.js';
import { pathProbes } from '../probes.js';
import { parsePingOutput, percentile, type PingOutput } from '../ping-output.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  ping: z
    .strictObject({
      from: nodeName.describe('The node (host or workload) that sends the echo requests.'),
      to: z.string().min(1).describe('A node name, or an IPv4 or IPv6 address.'),
      family: family.describe('6: a node name in `to` stands for its IPv6 address (dual stack).'),
      count: z.number().int().min(1).max(10_000).default(3).describe('Echo requests to send.'),
      interval: z.number().min(0.002).default(0.2).describe('Seconds between echo requests.'),
      size: z
        .union([z.number().int().min(0).max(65_507), z.enum(['largest', 'tooLarge'])], {
          error: 'is a payload size 0-65507, "largest" or "tooLarge"',
        })
        .default(56)
        .describe(
          'ICMP payload bytes; "largest": the most that fits the MTU of the link the sender routes the target through, unfragmented (MTU - 28, or - 48 for IPv6); "tooLarge": one byte more. Both need dontFragment.',
        ),
      timeout: seconds.default(1).describe('Seconds to wait for the last reply.'),
      deadline: seconds
        .optional()
        .describe(
          'Seconds the whole ping may take before it is stopped. Default: twice its schedule, plus `timeout` and 10 s.',
        ),
      dontFragment: z
        .boolean()
        .default(false)
        .describe("Set DF and never fragment (ping -M do): a packet over a link's MTU fails instead of being split."),
    })
    .refine((p) => typeof p.size === 'number' || p.dontFragment, {
      message: '"largest" and "tooLarge" need dontFragment: true (without it the kernel fragments)',
      path: ['size'],
    })
    .describe(
      'Sends ICMP echo requests from a node to a node or an address, and checks that replies come back (or not), their ttl, the loss and the rtt.',
    ),
  expect: z
    .strictObject({
      reachable: z
        .boolean()
        .default(true)
        .describe('true: a reply must come back; false: none may (proves isolation).'),
      ttl: z
        .number()
        .int()
        .min(1)
        .max(255)
        .optional()
        .describe('The ttl the replies arrive with, e.g. 62 across two routed hops (the hop limit over IPv6).'),
      maxLoss: z.number().min(0).max(100).optional().describe('Maximum packet loss in percent.'),
      maxAvgRtt: z.number().positive().optional().describe('Milliseconds.'),
      minAvgRtt: z.number().positive().optional().describe('Milliseconds: proves an injected delay.'),
      maxRtt: z.number().positive().optional().describe('Milliseconds.'),
    })
    .default({ reachable: true }),
});

export type PingStep = z.output<typeof schema>;

export const ping = defineStepKind({
  key: 'ping',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.sends([...path, 'ping'], s.ping);
  },
  name: (s) =>
    `ping ${s.ping.from} -> ${s.ping.to}${s.ping.family === 6 ? ' over IPv6' : ''}${s.expect.reachable ? '' : ' (unreachable)'}`,
  nodes: (s) => [s.ping.from, s.ping.to],
  probes: (s, topology) => pathProbes(topology, s.ping.from, s.ping.to, s.ping.family),
  needs: () => [program('ping')],
  attempt: runPing,
  figures(m) {
    const size = m.mtu === null ? '' : `${m.size} bytes (MTU ${m.mtu}): `;
    if (m.received === 0) return `${size}unreachable${m.error ? ` (${m.error})` : ''}`;
    return `${size}ttl=${m.ttl} loss=${m.lossPercent}% rtt min/avg/max=${m.rttMinMs}/${m.rttAvgMs}/${m.rttMaxMs} ms`;
  },
});

/** The exit code of a command stopped at its deadline (SIGKILL). */
const KILLED = 137;

/** Seconds a ping may run: what the scenario says, else twice its own schedule plus the last reply's wait, plus slack. */
export function pingDeadline(step: PingStep): number {
  const { count, interval, timeout, deadline } = step.ping;
  return deadline ?? Math.ceil(count * interval * 2 + timeout + 10);
}

export function pingTarget(ctx: StepContext, to: string, family: Family): string {
  const node = findNode(ctx.topology, to);
  return node ? nodeAddress(node, family) : to;
}

/** IP and ICMP headers: what a payload has around it in an MTU (IPv4: 20 + 8, IPv6: 40 + 8). */
export const headers = (target: string) => (target.includes(':') ? 48 : 28);

/** The largest ICMP payload (loopback's MTU would allow more). */
const MAX_PAYLOAD = 65_507;

/**
 * The MTU of the link `from` sends to `target` on (the first hop's; a smaller MTU further on shows
 * as the target unreachable), as the kernel reports it; or why there is no such link.
 */
export async function firstHopMtu(
  ctx: StepContext,
  from: string,
  target: string,
): Promise<{ mtu: number } | { error: string }> {
  const route = await ctx.exec(from, ['ip', '-j', 'route', 'get', target]);
  const dev = route.code === 0 ? (JSON.parse(route.stdout) as { dev?: string }[])[0]?.dev : undefined;
  if (!dev) return { error: `no route to ${target} (${route.stderr.trim() || 'ip route get named no device'})` };
  const link = await ctx.exec(from, ['ip', '-j', 'link', 'show', 'dev', dev]);
  const mtu = link.code === 0 ? (JSON.parse(link.stdout) as { mtu?: number }[])[0]?.mtu : undefined;
  if (!mtu) throw new Error(`reading the MTU of ${dev} in ${from}: ${link.stderr.trim()}`);
  return { mtu };
}

async function runPing(ctx: StepContext, step: PingStep): Promise<Attempt> {
  const { from, to, count, interval, timeout, dontFragment } = step.ping;
  const target = pingTarget(ctx, to, step.ping.family);
  const hop = typeof step.ping.size === 'number' ? undefined : await firstHopMtu(ctx, from, target);
  // No way out is an unreachable target, judged as one (an expected `reachable: false` passes).
  if (hop && 'error' in hop) return judge(step, { target, size: null, mtu: null }, parsePingOutput(''), hop.error);
  const mtu = hop ? hop.mtu : null;
  const size =
    mtu === null
      ? (step.ping.size as number)
      : Math.min(MAX_PAYLOAD, mtu - headers(target) + (step.ping.size === 'tooLarge' ? 1 : 0));
  const df = dontFragment ? ['-M', 'do'] : [];
  const args = [
    'ping',
    '-n',
    ...df,
    '-c',
    String(count),
    '-i',
    String(interval),
    '-s',
    String(size),
    '-W',
    String(timeout),
    target,
  ];
  const deadline = pingDeadline(step);
  const result = await ctx.exec(from, args, { timeoutMs: deadline * 1000 });
  const out = parsePingOutput(`${result.stdout}\n${result.stderr}`);
  if (result.code === KILLED && !out.transmitted)
    out.error ??= `ping did not finish within ${deadline} s (set ping.deadline to allow more)`;
  const error =
    out.error ?? (result.code > 1 && !out.transmitted ? result.stderr.trim() || `exit ${result.code}` : null);
  return judge(step, { target, size, mtu }, out, error);
}

/** What ping said, against the step's expectation. */
function judge(
  step: PingStep,
  sent: { target: string; size: number | null; mtu: number | null },
  out: PingOutput,
  error: string | null,
): Attempt {
  const ttls = [...new Set(out.ttls)];
  const ttl = ttls.length === 1 ? ttls[0]! : ttls.length === 0 ? null : ttls.join('/');
  const metrics = {
    ...sent,
    transmitted: out.transmitted,
    received: out.received,
    lossPercent: out.lossPercent,
    duplicates: out.duplicates,
    errors: out.errors,
    ttl,
    rttMinMs: out.rtt?.min ?? null,
    rttAvgMs: out.rtt?.avg ?? null,
    rttMaxMs: out.rtt?.max ?? null,
    rttMdevMs: out.rtt?.mdev ?? null,
    rttP99Ms: percentile(out.rtts, 99) ?? null,
    error,
  };

  const e = step.expect;
  const reachable = out.received > 0;
  const expected: Attempt['expected'] = { reachable: e.reachable };
  const actual: Attempt['actual'] = { reachable };
  const failures = compare('reachable', e.reachable, reachable, reachable === e.reachable);
  if (e.reachable && reachable) {
    const atMost = (got: number | null) => (x: number) => got !== null && got <= x;
    const checks: [string, number | undefined, number | string | null, (x: number) => boolean, string][] = [
      ['ttl', e.ttl, ttl, (x) => ttl === x, ''],
      ['lossPercent', e.maxLoss, out.lossPercent, atMost(out.lossPercent), '<= '],
      ['rttAvgMs', e.maxAvgRtt, metrics.rttAvgMs, atMost(metrics.rttAvgMs), '<= '],
      ['rttAvgMs', e.minAvgRtt, metrics.rttAvgMs, (x) => metrics.rttAvgMs !== null && metrics.rttAvgMs >= x, '>= '],
      ['rttMaxMs', e.maxRtt, metrics.rttMaxMs, atMost(metrics.rttMaxMs), '<= '],
    ];
    for (const [field, want, got, ok, bound] of checks) {
      if (want === undefined) continue;
      expected[field] = bound ? `${bound}${want}` : want;
      actual[field] = got;
      failures.push(...compare(field, want, got, ok(want), bound));
    }
  }
  return { metrics, expected, actual, failures };
}
