import { InfraError } from '../errors.js';
import type { NeighbourStep, RouteStep, SysctlStep } from '../scenario/schema.js';
import { vethToken } from '../scenario/schema.js';
import type { Topology } from '../topology/topology.js';
import { compare, type Attempt, type StepContext } from './result.js';

interface RouteEntry {
  dst: string;
  gateway?: string;
  dev?: string;
  scope?: string;
  protocol?: string;
  type?: string;
}

interface NeighbourEntry {
  dst: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

/** Replaces `{veth:WORKLOAD}` with that workload's host-side interface name. */
export function resolveVeths(topology: Topology, text: string): string {
  return text.replace(vethToken, (_, name: string) => topology.workloads.find((w) => w.name === name)!.hostInterface);
}

/** `ip` leaves out defaults: scope global, protocol boot, and /32 on host routes. */
const normaliseDst = (dst: string) => dst.replace(/\/32$/, '');
const routeScope = (r: RouteEntry) => r.scope ?? 'global';
const routeProto = (r: RouteEntry) => r.protocol ?? 'boot';

export function formatRoute(r: RouteEntry): string {
  return [
    r.type && r.type !== 'unicast' ? r.type : '',
    r.dst,
    r.gateway ? `via ${r.gateway}` : '',
    r.dev ? `dev ${r.dev}` : '',
    routeProto(r) !== 'boot' ? `proto ${routeProto(r)}` : '',
    routeScope(r) !== 'global' ? `scope ${routeScope(r)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

async function readJson<T>(ctx: StepContext, node: string, argv: string[]): Promise<T> {
  const result = await ctx.backend.exec(ctx.topology.lab, node, argv);
  if (result.code !== 0) throw new InfraError(`${node}: ${argv.join(' ')}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as T;
}

export async function checkRoute(ctx: StepContext, step: RouteStep): Promise<Attempt> {
  const want = { ...step.route, dev: step.route.dev && resolveVeths(ctx.topology, step.route.dev) };
  const routes = await readJson<RouteEntry[]>(ctx, want.node, ['ip', '-j', 'route', 'show']);
  const toDst = routes.filter((r) => normaliseDst(r.dst) === normaliseDst(want.to));
  const matching = toDst.filter(
    (r) =>
      (want.via === undefined || r.gateway === want.via) &&
      (want.dev === undefined || r.dev === want.dev) &&
      (want.scope === undefined || routeScope(r) === want.scope) &&
      (want.proto === undefined || routeProto(r) === want.proto),
  );
  const wanted = formatRoute({ dst: want.to, gateway: want.via, dev: want.dev, scope: want.scope, protocol: want.proto });
  const present = matching.length > 0;
  const actualRoutes = toDst.map(formatRoute).join('; ') || 'no route to ' + want.to;
  return {
    metrics: { routes: actualRoutes },
    expected: { route: `${wanted} ${step.expect}` },
    actual: { route: actualRoutes },
    failures: compare('route', `${wanted} ${step.expect}`, actualRoutes, present === (step.expect === 'present')),
  };
}

export async function checkNeighbour(ctx: StepContext, step: NeighbourStep): Promise<Attempt> {
  const want = { ...step.neighbour, dev: step.neighbour.dev && resolveVeths(ctx.topology, step.neighbour.dev) };
  const entries = await readJson<NeighbourEntry[]>(ctx, want.node, ['ip', '-j', 'neigh', 'show']);
  const toDst = entries.filter((n) => n.dst === want.address && (want.dev === undefined || n.dev === want.dev));
  const resolved = toDst.filter((n) => n.lladdr !== undefined && (want.lladdr === undefined || n.lladdr === want.lladdr));
  const describe = (n: NeighbourEntry) =>
    `${n.dst} dev ${n.dev ?? '?'} ${n.lladdr ? `lladdr ${n.lladdr} ` : ''}${(n.state ?? []).join(',')}`.trim();
  const wanted = `${want.address}${want.lladdr ? ` lladdr ${want.lladdr}` : ''} ${step.expect}`;
  const actual = toDst.map(describe).join('; ') || `no entry for ${want.address}`;
  return {
    metrics: { lladdr: toDst[0]?.lladdr ?? null, state: toDst[0]?.state?.join(',') ?? null },
    expected: { neighbour: wanted },
    actual: { neighbour: actual },
    failures: compare('neighbour', wanted, actual, (resolved.length > 0) === (step.expect === 'present')),
  };
}

export async function checkSysctl(ctx: StepContext, step: SysctlStep): Promise<Attempt> {
  // Dots become slashes before the veth names go in: an interface name may itself hold a dot.
  const key = resolveVeths(ctx.topology, step.sysctl.key.replaceAll('.', '/'));
  const path = `/proc/sys/${key}`;
  const result = await ctx.backend.exec(ctx.topology.lab, step.sysctl.node, ['cat', path]);
  const value = result.code === 0 ? result.stdout.trim() : null;
  return {
    metrics: { path, value },
    expected: { value: step.expect },
    actual: { value: value ?? `unreadable (${result.stderr.trim()})` },
    failures: compare(path, step.expect, value, value === step.expect),
  };
}
