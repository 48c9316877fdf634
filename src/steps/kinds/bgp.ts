import { z } from 'zod';
import { formatCidr } from '../../net/ipv4.js';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { segmentPeers, type Host, type Topology } from '../../topology/topology.js';
import { defineStepKind } from '../kind.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  bgp: z
    .strictObject({
      hosts: z.array(nodeName).optional().describe('Hosts whose sessions must be Established. Default: every host.'),
      routes: z
        .boolean()
        .default(true)
        .describe("Also require every other host's workload routes (or blocks) in each host's kernel, proto bird."),
    })
    .describe(
      "Checks that every BGP session of BIRD is Established and, by default, that every learned route is in each host's kernel.",
    ),
});

export type BgpStep = z.output<typeof schema>;

export const bgp = defineStepKind({
  key: 'bgp',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.bgp([...path, 'bgp']);
    s.bgp.hosts?.forEach((h, j) => refs.host([...path, 'bgp', 'hosts', j], h));
  },
  name: (s) => `BGP converged on ${s.bgp.hosts?.join(', ') ?? 'every host'}`,
  nodes: (s) => s.bgp.hosts ?? [],
  // A bare birdc finds its host's BIRD on every backend (netns: the wrapper exec puts first in PATH).
  probes: (s, topology) =>
    topology.hosts
      .filter((h) => !s.bgp.hosts || s.bgp.hosts.includes(h.name))
      .map((h) => ({ node: h.name, argv: ['birdc', 'show', 'protocols'] })),
  needs: () => [program('birdc'), program('ip')],
  attempt: checkBgp,
  figures: (m) =>
    `${m.established}/${m.sessions} sessions established, ${m.birdRoutes} bird routes` +
    (m.sinceLabReadyMs === undefined ? '' : `, ${m.sinceLabReadyMs} ms after the lab was ready`),
  within: 30,
});

export interface BgpSession {
  name: string;
  state: string;
  info: string;
}

/** Pure: the BGP protocols in `birdc show protocols` output. */
export function parseBirdProtocols(text: string): BgpSession[] {
  return text.split('\n').flatMap((line) => {
    const [name, proto, , state, , ...info] = line.trim().split(/\s+/);
    return proto === 'BGP' && name && state ? [{ name, state, info: info.join(' ') }] : [];
  });
}

/**
 * The destinations a host must have learned from the others: their workloads, or their blocks;
 * and with dual stack, between hosts that both have IPv6, their workloads' IPv6 addresses.
 */
export function expectedBgpRoutes(topology: Topology, host: Host): string[] {
  return segmentPeers(topology, host).flatMap((h) => [
    ...(h.block ? [formatCidr(h.block)] : h.workloads.flatMap((w) => (w.address ? [w.address.address] : []))),
    ...(host.address6 && h.address6 ? h.workloads.flatMap((w) => (w.address6 ? [w.address6] : [])) : []),
  ]);
}

/** All sessions of the hosts Established and (by default) every remote route in their kernels as proto bird. */
async function checkBgp(ctx: StepContext, step: BgpStep): Promise<Attempt> {
  const { topology, backend } = ctx;
  const hosts = topology.hosts.filter((h) => !step.bgp.hosts || step.bgp.hosts.includes(h.name));
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const birdc = await ctx.exec(host.name, [
        'birdc',
        '-s',
        backend.profile.birdPaths(topology.lab, host.name).socket,
        'show',
        'protocols',
      ]);
      const sessions = birdc.code === 0 ? parseBirdProtocols(birdc.stdout) : [];
      const families = step.bgp.routes ? (host.address6 ? ['-4', '-6'] : ['-4']) : [];
      const routes = await Promise.all(
        families.map((f) => ctx.exec(host.name, ['ip', f, '-j', 'route', 'show', 'proto', 'bird'])),
      );
      const learned = new Set(routes.flatMap((r) => (r.code === 0 ? parseRouteDestinations(r.stdout) : [])));
      const missing = step.bgp.routes ? expectedBgpRoutes(topology, host).filter((d) => !learned.has(d)) : [];
      const down = sessions.filter((s) => !s.info.startsWith('Established'));
      const problem =
        birdc.code !== 0
          ? `${host.name}: BIRD does not answer (${(birdc.stderr || birdc.stdout).trim()})`
          : down.length > 0
            ? `${host.name}: ${down.map((s) => `${s.name} ${s.info || s.state}`).join(', ')}`
            : missing.length > 0
              ? `${host.name}: no proto bird route to ${missing.join(', ')}`
              : undefined;
      return { sessions: sessions.length, established: sessions.length - down.length, routes: learned.size, problem };
    }),
  );
  const problems = perHost.flatMap((h) => (h.problem ? [h.problem] : []));
  const sum = (key: 'sessions' | 'established' | 'routes') => perHost.reduce((n, h) => n + h[key], 0);
  const state = problems.join('; ') || 'converged';
  return {
    metrics: {
      sessions: sum('sessions'),
      established: sum('established'),
      birdRoutes: sum('routes'),
      ...(ctx.labReadyAt === null ? {} : { sinceLabReadyMs: Math.round(performance.now() - ctx.labReadyAt) }),
    },
    expected: { bgp: 'converged' },
    actual: { bgp: state },
    failures: compare('bgp', 'converged', state, problems.length === 0),
  };
}

/** Pure: the destinations in `ip -j route` output; nothing when it is not the JSON ip prints. */
export function parseRouteDestinations(json: string): string[] {
  try {
    const routes = JSON.parse(json) as unknown;
    return Array.isArray(routes)
      ? routes.flatMap((r: { dst?: unknown }) => (typeof r?.dst === 'string' ? [r.dst] : []))
      : [];
  } catch {
    return [];
  }
}
