import { z } from 'zod';
import { family, nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { defineStepKind } from '../kind.js';
import { parsePingOutput } from '../ping-output.js';
import { pathProbes } from '../probes.js';
import { compare, type Attempt, type StepContext } from '../result.js';
import { firstHopMtu, headers, pingTarget } from './ping.js';

const schema = z.strictObject({
  ...stepCommon,
  mtu: z
    .strictObject({
      from: nodeName.describe('The node from which the path MTU is found.'),
      to: z.string().min(1).describe('A node name, or an IPv4 or IPv6 address.'),
      family: family.describe('6: a node name in `to` stands for its IPv6 address (dual stack).'),
    })
    .describe('Finds the path MTU from a node to a node or an address: the largest packet that crosses unfragmented.'),
  expect: z
    .strictObject({
      mtu: z
        .number()
        .int()
        .min(68)
        .max(65_535)
        .optional()
        .describe('The path MTU it must find, e.g. 1450 through VXLAN.'),
    })
    .default({}),
});

export type MtuStep = z.output<typeof schema>;

/** Routers on a path report a smaller MTU one at a time: a few rounds find the smallest. */
const ROUNDS = 4;

/** "Frag needed and DF set (mtu = 1400)" from a router, or "message too long, mtu=1400" once the kernel knows it. */
const smallerMtu = /mtu ?= ?(\d+)/;

export const mtu = defineStepKind({
  key: 'mtu',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.sends([...path, 'mtu'], s.mtu);
  },
  name: (s) => `path MTU ${s.mtu.from} -> ${s.mtu.to}${s.mtu.family === 6 ? ' over IPv6' : ''}`,
  nodes: (s) => [s.mtu.from, s.mtu.to],
  probes: (s, topology) => pathProbes(topology, s.mtu.from, s.mtu.to, s.mtu.family),
  needs: () => [program('ping'), program('ip')],
  attempt: findPathMtu,
  figures: (m) =>
    m.mtu === null ? `no path MTU${m.error ? ` (${m.error})` : ''}` : `path MTU ${m.mtu} (first hop ${m.firstHopMtu})`,
});

/**
 * The path MTU, found as the kernel finds it: an unfragmentable echo request as large as the first
 * hop allows, then as large as each smaller MTU a router (or the kernel's own cache) reports.
 */
async function findPathMtu(ctx: StepContext, step: MtuStep): Promise<Attempt> {
  const { from, to } = step.mtu;
  const target = pingTarget(ctx, to, step.mtu.family);
  const hop = await firstHopMtu(ctx, from, target);
  if ('error' in hop) return judge(step, { target, firstHopMtu: null, mtu: null, error: hop.error });
  let size = hop.mtu;
  for (let round = 0; round < ROUNDS; round++) {
    const result = await ctx.exec(from, [
      'ping',
      '-n',
      '-M',
      'do',
      '-c',
      '1',
      '-W',
      '1',
      '-s',
      String(size - headers(target)),
      target,
    ]);
    const out = parsePingOutput(`${result.stdout}\n${result.stderr}`);
    if (out.received > 0) return judge(step, { target, firstHopMtu: hop.mtu, mtu: size, error: null });
    const reported = Number(smallerMtu.exec(out.error ?? '')?.[1]);
    if (!(reported < size))
      return judge(step, { target, firstHopMtu: hop.mtu, mtu: null, error: out.error ?? 'no reply' });
    size = reported;
  }
  return judge(step, { target, firstHopMtu: hop.mtu, mtu: null, error: `still smaller after ${ROUNDS} rounds` });
}

function judge(
  step: MtuStep,
  metrics: { target: string; firstHopMtu: number | null; mtu: number | null; error: string | null },
): Attempt {
  const want = step.expect.mtu;
  const found = compare('reachable', true, metrics.mtu !== null, metrics.mtu !== null);
  const failures =
    metrics.mtu === null || want === undefined ? found : compare('mtu', want, metrics.mtu, metrics.mtu === want);
  return {
    metrics,
    expected: { reachable: true, ...(want === undefined ? {} : { mtu: want }) },
    actual: { reachable: metrics.mtu !== null, ...(want === undefined ? {} : { mtu: metrics.mtu }) },
    failures,
  };
}
