import { z } from 'zod';
import { networkAddress, parseCidr } from '../net/ipv4.js';
import type { LabDefinition } from '../topology/definition.js';
import { rawName, type Draft } from './draft.js';
import { nodeName, withoutNul } from './fields.js';
import type { Fail } from './problems.js';

export const bgpSchema = z
  .strictObject({
    asn: z
      .number()
      .int()
      .min(1)
      .max(4_294_967_295)
      .default(64512)
      .describe("The AS number of every host: one AS, internal BGP, as Calico's default."),
    reflectors: z
      .array(nodeName)
      .default([])
      .describe('Route reflectors (hosts); none means a node-to-node full mesh, as Calico does by default.'),
    block: z
      .number()
      .int()
      .min(8)
      .max(32)
      .optional()
      .describe(
        "Each host's workloads form one block of this prefix length, as Calico's IPAM gives them: with BGP a host exports its block (with a blackhole route) instead of /32s; with an encapsulation, also under static routing, a host's tunnel address is its block's first address.",
      ),
    extraConfig: withoutNul.optional().describe("Appended to every host's bird.conf verbatim."),
  })
  .meta({ title: 'BGP' });

/** Reflectors are hosts; with blocks, each host's workloads fit one block and no two hosts share one. */
export function checkBgp(bgp: LabDefinition['bgp'], s: Draft, fail: Fail): void {
  const hostNames = new Set(s.raw.hosts.map(rawName));
  bgp.reflectors.forEach((r, i) => {
    if (!hostNames.has(r)) fail(['bgp', 'reflectors', i], `"${r}" is not a host`);
  });
  const { block } = bgp;
  if (block === undefined) return;
  const owners = new Map<string, string>();
  s.hosts.forEach((h, i) => {
    if (!h) return;
    const blocks = new Set(
      h.workloads.flatMap((w) => {
        const address = w?.address === undefined ? undefined : parseCidr(w.address);
        return address ? [networkAddress({ address: address.address, prefix: block })] : [];
      }),
    );
    if (blocks.size > 1) {
      fail(
        ['hosts', i, 'workloads'],
        `workloads of ${h.name} span several /${block} blocks (${[...blocks].join(', ')})`,
      );
    }
    for (const b of blocks) {
      const other = owners.get(b);
      if (other)
        fail(
          ['hosts', i, 'workloads'],
          `block ${b}/${block} is also used by ${other}: give each host's workloads addresses from a /${block} of their own`,
        );
      owners.set(b, h.name);
    }
  });
}
