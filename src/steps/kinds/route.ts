import { z } from 'zod';
import { ipv4, ipv6, nodeName, presence, stepCommon } from '../../scenario/fields.js';
import { canonical6, isIpv6, parseCidr6 } from '../../net/ipv6.js';
import { parseCidr } from '../../net/ipv4.js';
import { program } from '../../requirements/requirement.js';
import { defineStepKind } from '../kind.js';
import { readJson, resolveVeths } from '../node-state.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  route: z
    .strictObject({
      node: nodeName.describe('The node whose routing table is read.'),
      to: z
        .string()
        .min(1)
        .refine(
          (t) => t === 'default' || parseCidr(t) !== undefined || isIpv6(t) || parseCidr6(t) !== undefined,
          'is neither an IPv4 or IPv6 destination nor "default"',
        )
        .describe(
          'Destination as `ip route` prints it: "10.20.1.3", "10.20.1.0/24", "fd00::3", "fd00::/64" or "default".',
        ),
      via: z
        .union([ipv4, ipv6], { error: 'is not an IPv4 or IPv6 address' })
        .optional()
        .describe('IPv4 or IPv6; an IPv6 `to` or `via` looks in the IPv6 table (`ip -6`).'),
      dev: z
        .string()
        .min(1)
        .optional()
        .describe('Interface name, or "{veth:WORKLOAD}" for a workload\'s host-side veth.'),
      scope: z
        .enum(['link', 'global', 'host'])
        .optional()
        .describe('The scope the route must have, as `ip route` prints it.'),
      proto: z
        .string()
        .min(1)
        .optional()
        .describe('The protocol the route must have, e.g. "bird" for a route BGP learned.'),
    })
    .refine((r) => r.via === undefined || r.to === 'default' || r.to.includes(':') === r.via.includes(':'), {
      message: 'is of the other IP family than route.to',
      path: ['via'],
    })
    .describe(
      "Reads a node's routing table (`ip route`, `ip -6 route`) and checks that a route with these fields is there, or not.",
    ),
  expect: presence.describe('"present": a route with these fields must be in the table; "absent": none may.'),
});

export type RouteStep = z.output<typeof schema>;

export const route = defineStepKind({
  key: 'route',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.node([...path, 'route', 'node'], s.route.node);
    // A default route's family is its via's.
    const field = s.route.to === 'default' && s.route.via !== undefined ? 'via' : 'to';
    refs.holds({
      path: [...path, 'route', field],
      node: s.route.node,
      text: s.route[field]!,
      destination: s.route.to,
      expect: s.expect,
      table: 'table holds no such route',
    });
    refs.veths([...path, 'route', 'dev'], s.route.dev);
  },
  name: ({ route: r, expect }) =>
    `${r.node} route ${[
      r.to,
      r.via && `via ${r.via}`,
      r.dev && `dev ${r.dev}`,
      r.scope && `scope ${r.scope}`,
      r.proto && `proto ${r.proto}`,
    ]
      .filter(Boolean)
      .join(' ')} ${expect}`,
  nodes: (s) => [s.route.node],
  needs: () => [program('ip')],
  attempt: checkRoute,
  figures: (m) => `[${m.routes}]`,
});

interface RouteEntry {
  dst: string;
  gateway?: string;
  dev?: string;
  scope?: string;
  protocol?: string;
  type?: string;
}

/** `ip` leaves out defaults: scope global, protocol boot, and /32 (/128) on host routes; IPv6 in canonical form. */
function normaliseDst(dst: string): string {
  if (dst === '0.0.0.0/0' || dst === '::/0') return 'default';
  if (!dst.includes(':')) return dst.replace(/\/32$/, '');
  const [address, prefix] = dst.split('/');
  return prefix === undefined || Number(prefix) === 128
    ? canonical6(address!)
    : `${canonical6(address!)}/${Number(prefix)}`;
}
const sameGateway = (a: string | undefined, b: string) =>
  a !== undefined && (b.includes(':') ? a.includes(':') && canonical6(a) === canonical6(b) : a === b);
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

async function checkRoute(ctx: StepContext, step: RouteStep): Promise<Attempt> {
  const want = { ...step.route, dev: step.route.dev && resolveVeths(ctx.topology, step.route.dev) };
  const v6 = want.to.includes(':') || (want.via?.includes(':') ?? false);
  const routes = await readJson<RouteEntry[]>(ctx, want.node, ['ip', ...(v6 ? ['-6'] : []), '-j', 'route', 'show']);
  const toDst = routes.filter((r) => normaliseDst(r.dst) === normaliseDst(want.to));
  const matching = toDst.filter(
    (r) =>
      (want.via === undefined || sameGateway(r.gateway, want.via)) &&
      (want.dev === undefined || r.dev === want.dev) &&
      (want.scope === undefined || routeScope(r) === want.scope) &&
      (want.proto === undefined || routeProto(r) === want.proto),
  );
  const wanted = formatRoute({
    dst: want.to,
    gateway: want.via,
    dev: want.dev,
    scope: want.scope,
    protocol: want.proto,
  });
  const present = matching.length > 0;
  const actualRoutes = toDst.map(formatRoute).join('; ') || 'no route to ' + want.to;
  return {
    metrics: { routes: actualRoutes },
    expected: { route: `${wanted} ${step.expect}` },
    actual: { route: actualRoutes },
    failures: compare('route', `${wanted} ${step.expect}`, actualRoutes, present === (step.expect === 'present')),
  };
}
