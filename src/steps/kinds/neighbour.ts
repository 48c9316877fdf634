import { z } from 'zod';
import { ipv4, ipv6, mac, nodeName, presence, stepCommon } from '../../scenario/fields.js';
import { canonical6 } from '../../net/ipv6.js';
import { program } from '../../requirements/requirement.js';
import { defineStepKind } from '../kind.js';
import { readJson, resolveVeths } from '../node-state.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  neighbour: z
    .strictObject({
      node: nodeName.describe('The node whose neighbour table is read.'),
      address: z
        .union([ipv4, ipv6], { error: 'is not an IPv4 or IPv6 address' })
        .describe('IPv4 (ARP) or IPv6 (neighbour discovery, `ip -6`).'),
      lladdr: mac.optional().describe('The link-layer address the entry must have, e.g. "ee:ee:ee:ee:ee:ee".'),
      dev: z.string().min(1).optional().describe('The interface the entry must be on.'),
    })
    .describe(
      "Reads a node's neighbour table (`ip neigh`: ARP, or IPv6 neighbour discovery) and checks an entry, e.g. the gateway 169.254.1.1 answered by proxy ARP.",
    ),
  expect: presence.describe(
    '"present": an entry with a link-layer address (a resolved one) must be there; "absent": none may.',
  ),
});

export type NeighbourStep = z.output<typeof schema>;

export const neighbour = defineStepKind({
  key: 'neighbour',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.node([...path, 'neighbour', 'node'], s.neighbour.node);
    refs.holds({
      path: [...path, 'neighbour', 'address'],
      node: s.neighbour.node,
      text: s.neighbour.address,
      destination: s.neighbour.address,
      expect: s.expect,
      table: 'neighbour table holds no such entry',
    });
    refs.veths([...path, 'neighbour', 'dev'], s.neighbour.dev);
  },
  name: ({ neighbour: n, expect }) =>
    `${n.node} neighbour ${n.address}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${expect}`,
  nodes: (s) => [s.neighbour.node],
  needs: () => [program('ip')],
  attempt: checkNeighbour,
  // An entry without a MAC (INCOMPLETE, FAILED) is a resolution that went unanswered, not no entry.
  figures: (m) =>
    m.lladdr ? `lladdr ${m.lladdr} ${m.state ?? ''}`.trim() : m.state ? `${m.state}, no lladdr` : 'no entry',
});

interface NeighbourEntry {
  dst: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

async function checkNeighbour(ctx: StepContext, step: NeighbourStep): Promise<Attempt> {
  const want = { ...step.neighbour, dev: step.neighbour.dev && resolveVeths(ctx.topology, step.neighbour.dev) };
  const v6 = want.address.includes(':');
  const entries = await readJson<NeighbourEntry[]>(ctx, want.node, [
    'ip',
    ...(v6 ? ['-6'] : []),
    '-j',
    'neigh',
    'show',
  ]);
  const same = (dst: string) =>
    v6 ? dst.includes(':') && canonical6(dst) === canonical6(want.address) : dst === want.address;
  const toDst = entries.filter((n) => same(n.dst) && (want.dev === undefined || n.dev === want.dev));
  const resolved = toDst.filter(
    (n) => n.lladdr !== undefined && (want.lladdr === undefined || n.lladdr === want.lladdr),
  );
  const describe = (n: NeighbourEntry) =>
    `${n.dst} dev ${n.dev ?? '?'} ${n.lladdr ? `lladdr ${n.lladdr} ` : ''}${(n.state ?? []).join(',')}`.trim();
  const wanted = `${want.address}${want.lladdr ? ` lladdr ${want.lladdr}` : ''} ${step.expect}`;
  const actual = toDst.map(describe).join('; ') || `no entry for ${want.address}`;
  return {
    metrics: { lladdr: toDst[0]?.lladdr ?? null, state: toDst[0]?.state?.join(',') ?? null },
    expected: { neighbour: wanted },
    actual: { neighbour: actual },
    failures: compare('neighbour', wanted, actual, resolved.length > 0 === (step.expect === 'present')),
  };
}
