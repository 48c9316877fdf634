import { z } from 'zod';
import type { LabDefinition } from '../topology/definition.js';
import { checkBgp, bgpSchema } from './bgp.js';
import { claimer, rawList, record, type Draft } from './draft.js';
import { checkEncapsulation, encapsulationMode, poolSchema } from './encapsulation.js';
import { labName, text } from './fields.js';
import { checkHosts, checkNodeNames, hostHead, hostSchema, workloadSchema } from './hosts.js';
import { checkIpv6 } from './ipv6.js';
import type { Fail, Path, ZodFail } from './problems.js';
import { checkSegments, segmentSchema } from './segments.js';

/** The lab a scenario describes: everything but its steps. */
export const labShape = {
  name: labName.describe(
    "The lab's name: every namespace, container and network of the lab carries it. `--name` builds the lab under another name, e.g. to run a scenario twice at once.",
  ),
  description: text.optional().describe('What the lab shows, in a sentence; shown in reports.'),
  segments: z
    .array(segmentSchema)
    .min(1, 'needs at least one segment')
    .describe('The L2 networks the hosts are on, each standing in for a physical NIC such as ens192.'),
  hosts: z
    .array(hostSchema)
    .min(1, 'needs at least one host')
    .describe('The simulated machines: each has an address on a segment and its workloads.'),
  routing: z
    .enum(['static', 'bgp', 'none'])
    .default('static')
    .describe(
      'How hosts learn the routes to the other hosts\' workloads: "static" (testbed adds them, as in the seed), "bgp" (BIRD 2 on every host, as Calico) or "none" (no routes between hosts).',
    ),
  encapsulation: encapsulationMode
    .default('direct')
    .describe(
      'How workload traffic crosses between hosts, as Calico\'s IP pools say: "direct" (routed as it is), "ipip" (in IP-in-IP through tunl0) or "vxlan" (in VXLAN through vxlan.calico).',
    ),
  crossSubnet: z
    .boolean()
    .default(false)
    .describe(
      'With "ipip" or "vxlan": encapsulate only between hosts of different segments, route directly within one (CrossSubnet).',
    ),
  pools: z
    .array(poolSchema)
    .default([])
    .describe(
      "IP pools, as Calico's: a workload whose address is in a pool is reached as the pool says; the others as `encapsulation` and `crossSubnet` say.",
    ),
  bgp: bgpSchema
    .default({ asn: 64512, reflectors: [] })
    .describe('How BIRD is set up with routing "bgp"; `block` also gives tunnel addresses to an encapsulation.'),
  backendOptions: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .default({})
    .describe(
      "Settings of a backend, under its name (e.g. `docker: { privileged: ['host0'] }`); each backend checks its own.",
    ),
};

// The model (src/topology/definition.ts) is written by hand so that it knows no schema; this fails
// to compile when the schema's output and the model part ways in either direction.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaIsModel: Same<z.output<z.ZodObject<typeof labShape>>, LabDefinition> = true;
void schemaIsModel;

const labTop = z.strictObject({
  ...labShape,
  segments: z.array(z.unknown()).min(1, 'needs at least one segment'),
  hosts: z.array(z.unknown()).min(1, 'needs at least one host'),
  pools: z.array(z.unknown()).default([]),
  steps: z.array(z.unknown()).default([]),
});

/**
 * Validates the lab part of a scenario in one pass: each field, segment, host and workload on its
 * own, then the cross-field rules over everything that parsed. Returns the lab when all is valid.
 */
export function validateLab(raw: unknown, fail: Fail, zodFail: ZodFail, options: object): LabDefinition | undefined {
  let valid = true;
  const parse = <T>(schema: z.ZodType<T>, value: unknown, path: Path): T | undefined => {
    const result = schema.safeParse(value, options);
    if (result.success) return result.data;
    valid = false;
    zodFail(result.error, path);
    return undefined;
  };
  const top = labTop.safeParse(raw, options);
  if (!top.success) {
    valid = false;
    zodFail(top.error, []);
  }
  const scenario = record(raw);
  const field = <K extends keyof typeof labShape>(key: K) =>
    top.success
      ? top.data[key]
      : (labShape[key].safeParse(scenario[key], options).data as z.output<(typeof labShape)[K]> | undefined);
  const draft: Draft = {
    segments: rawList(scenario.segments).map((seg, i) => parse(segmentSchema, seg, ['segments', i])),
    hosts: rawList(scenario.hosts).map((host, h) => {
      const head = parse(hostHead, host, ['hosts', h]);
      const workloads = rawList(record(host).workloads).map((w, i) =>
        parse(workloadSchema, w, ['hosts', h, 'workloads', i]),
      );
      return head ? { ...head, workloads } : undefined;
    }),
    routing: field('routing'),
    encapsulation: field('encapsulation'),
    crossSubnet: field('crossSubnet'),
    pools: rawList(scenario.pools).map((pool, i) => parse(poolSchema, pool, ['pools', i])),
    bgp: field('bgp'),
    raw: { segments: rawList(scenario.segments), hosts: rawList(scenario.hosts) },
  };
  const before = valid;
  checkLab(draft, (path, message) => {
    valid = false;
    fail(path, message);
  });
  if (!before || !valid || !top.success) return undefined;
  const { steps: _, ...definition } = top.data;
  return {
    ...definition,
    segments: draft.segments.map((seg) => seg!),
    hosts: draft.hosts.map((h) => ({ ...h!, workloads: h!.workloads.map((w) => w!) })),
    pools: draft.pools.map((pool) => pool!),
  };
}

/** The rules zod cannot express field by field (uniqueness, containment, addresses), concept by concept. */
function checkLab(s: Draft, fail: Fail): void {
  const segments = checkSegments(s, fail);
  checkNodeNames(s, fail);
  const owners = new Map<string, string>();
  for (const [name, { gateway }] of segments) owners.set(gateway, `the gateway of segment ${name}`);
  checkHosts(s, segments, claimer(owners, fail), fail);
  if (s.bgp) checkBgp(s.bgp, s, fail);
  checkEncapsulation(s, owners, segments, fail);
  checkIpv6(s, fail);
}
