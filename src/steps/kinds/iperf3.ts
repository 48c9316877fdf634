import { z } from 'zod';
import { family, nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { findNode, nodeAddress } from '../../topology/topology.js';
import { defineStepKind } from '../kind.js';
import { pathProbes } from '../probes.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  iperf3: z
    .strictObject({
      from: nodeName.describe('The node that runs the client.'),
      to: nodeName.describe('The node that runs the server for the duration of the step.'),
      protocol: z.enum(['tcp', 'udp']).default('tcp').describe('TCP or UDP.'),
      duration: z.number().min(0.1).max(600).default(2).describe('Seconds.'),
      parallel: z.number().int().min(1).max(128).default(1).describe('Parallel streams (iperf3 -P).'),
      bitrate: z
        .string()
        .regex(/^\d+(\.\d+)?[KMG]?$/, 'is not a bitrate such as 100M')
        .optional()
        .describe('Target bitrate, e.g. "100M" (iperf3 -b); UDP defaults to iperf3\'s 1 Mbit/s.'),
      port: z.number().int().min(1).max(65_535).default(5201).describe("The server's port."),
      family: family.describe("6: the client connects to the server's IPv6 address (dual stack)."),
    })
    .describe('Measures throughput between two nodes with iperf3 (and, over UDP, loss and jitter).'),
  expect: z
    .strictObject({
      minBitsPerSecond: z
        .number()
        .positive()
        .optional()
        .describe('The least throughput iperf3 must measure, in bits per second.'),
      maxLoss: z.number().min(0).max(100).optional().describe('UDP: percent of datagrams lost.'),
      maxJitterMs: z.number().min(0).optional().describe('UDP: milliseconds.'),
    })
    .default({}),
});

export type Iperf3Step = z.output<typeof schema>;

export const iperf3 = defineStepKind({
  key: 'iperf3',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.sends([...path, 'iperf3'], s.iperf3);
  },
  name: (s) =>
    `iperf3 ${s.iperf3.protocol} ${s.iperf3.from} -> ${s.iperf3.to}${s.iperf3.family === 6 ? ' over IPv6' : ''}`,
  nodes: (s) => [s.iperf3.from, s.iperf3.to],
  probes: (s, topology) => pathProbes(topology, s.iperf3.from, s.iperf3.to, s.iperf3.family),
  needs: () => [program('iperf3'), program('ss'), program('sh')],
  attempt: runIperf3,
  figures(m) {
    if (m.error) return String(m.error);
    return `${(Number(m.bitsPerSecond) / 1e6).toFixed(1)} Mbit/s${m.lossPercent !== null ? ` loss=${m.lossPercent}% jitter=${m.jitterMs} ms` : ''}`;
  },
});

/** The figures of an iperf3 -J report that a step asserts on. */
export interface Iperf3Figures {
  bitsPerSecond: number;
  retransmits?: number;
  lostPercent?: number;
  jitterMs?: number;
}

interface Summary {
  bits_per_second: number;
  lost_percent?: number;
  jitter_ms?: number;
}

/** Pure: reads the client's JSON report: what the receiver got, and for UDP loss and jitter as the server saw them. */
export function parseIperf3(json: string, protocol: 'tcp' | 'udp'): Iperf3Figures {
  const report = JSON.parse(json) as {
    error?: string;
    end?: {
      sum_received?: Summary;
      sum_sent?: { retransmits?: number };
      sum?: Summary;
    };
  };
  if (report.error) throw new Error(report.error);
  const end = report.end ?? {};
  const received = end.sum_received ?? end.sum;
  if (!received) throw new Error('iperf3 printed no summary');
  if (protocol === 'tcp') return { bitsPerSecond: received.bits_per_second, retransmits: end.sum_sent?.retransmits };
  return { bitsPerSecond: received.bits_per_second, lostPercent: received.lost_percent, jitterMs: received.jitter_ms };
}

/** iperf3 -D forks before it listens: wait until the port ($1) is open. The pid goes to $2. */
const START_SERVER =
  'iperf3 -s -1 -D -p "$1" -I "$2" && for i in $(seq 100); do ss -ltn | grep -q ":$1 " && exit 0; sleep 0.05; done; exit 1';
const STOP_SERVER = '[ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null; rm -f "$1"; true';

/** Starts a one-off server on `to`, runs the client on `from`, and stops the server whatever happened. */
async function runIperf3(ctx: StepContext, step: Iperf3Step): Promise<Attempt> {
  const { lab } = ctx.topology;
  const { from, to, protocol, duration, parallel, bitrate, port } = step.iperf3;
  const target = nodeAddress(findNode(ctx.topology, to)!, step.iperf3.family);
  const pidFile = `/tmp/testbed-iperf3-${lab}-${to}-${port}.pid`;
  const server = await ctx.exec(to, ['sh', '-c', START_SERVER, 'sh', String(port), pidFile]);
  try {
    if (server.code !== 0) return failed(`iperf3 server on ${to} did not start: ${server.stderr.trim()}`);
    const args = ['iperf3', '-J', '-c', target, '-p', String(port), '-t', String(duration), '-P', String(parallel)];
    if (protocol === 'udp') args.push('-u');
    if (bitrate) args.push('-b', bitrate);
    const client = await ctx.exec(from, args, { timeoutMs: (duration + 15) * 1000 });
    let figures: Iperf3Figures;
    try {
      figures = parseIperf3(client.stdout, protocol);
    } catch (error) {
      return failed(`iperf3 ${from} -> ${to}: ${(error as Error).message}`);
    }
    return judge(step, target, figures);
  } finally {
    await ctx.exec(to, ['sh', '-c', STOP_SERVER, 'sh', pidFile]);
  }
}

function judge(step: Iperf3Step, target: string, f: Iperf3Figures): Attempt {
  const e = step.expect;
  const metrics = {
    target,
    protocol: step.iperf3.protocol,
    bitsPerSecond: Math.round(f.bitsPerSecond),
    retransmits: f.retransmits ?? null,
    lossPercent: f.lostPercent ?? null,
    jitterMs: f.jitterMs === undefined ? null : Math.round(f.jitterMs * 1000) / 1000,
  };
  const expected: Attempt['expected'] = {};
  const actual: Attempt['actual'] = {};
  const failures: string[] = [];
  const check = (
    field: string,
    want: number | undefined,
    got: number | null,
    ok: (w: number, g: number) => boolean,
    bound: string,
  ) => {
    if (want === undefined) return;
    expected[field] = `${bound}${want}`;
    actual[field] = got;
    failures.push(...compare(field, want, got, got !== null && ok(want, got), bound));
  };
  check('bitsPerSecond', e.minBitsPerSecond, metrics.bitsPerSecond, (w, g) => g >= w, '>= ');
  check('lossPercent', e.maxLoss, metrics.lossPercent, (w, g) => g <= w, '<= ');
  check('jitterMs', e.maxJitterMs, metrics.jitterMs, (w, g) => g <= w, '<= ');
  return { metrics, expected, actual, failures };
}

function failed(reason: string): Attempt {
  return {
    metrics: { error: reason },
    expected: { iperf3: 'completes' },
    actual: { iperf3: reason },
    failures: [reason],
  };
}
