import { z } from 'zod';
import { isIpv4, parseCidr } from '../net/ipv4.js';
import { isIpv6, parseCidr6 } from '../net/ipv6.js';
import { IFNAME_MAX } from '../net/special.js';

export const interfaceName = z
  .string()
  .min(1)
  .max(IFNAME_MAX, `is longer than ${IFNAME_MAX} characters, the limit for a Linux interface name`)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"')
  .refine((n) => n !== '.' && n !== '..', 'is not a valid interface name')
  .meta({ title: 'interface name' });

export const nodeName = z
  .string()
  .max(32, 'is longer than 32 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and contain only letters, digits, "_" and "-"')
  .meta({ title: 'node name' });

export const labName = z
  .string()
  .max(32, 'is longer than 32 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-", starting with a letter or digit')
  .meta({ title: 'lab name' });

export const ipv4 = z.string().refine(isIpv4, { message: 'is not an IPv4 address' }).meta({ title: 'IPv4 address' });

export const ipv6 = z.string().refine(isIpv6, { message: 'is not an IPv6 address' }).meta({ title: 'IPv6 address' });

export const cidr6 = z
  .string()
  .refine((t) => parseCidr6(t) !== undefined, { message: 'is not an IPv6 CIDR such as fd00:192:168:1::/64' })
  .meta({ title: 'IPv6 CIDR' });

export const cidr = z
  .string()
  .refine((t) => t.includes('/') && parseCidr(t) !== undefined, {
    message: 'is not an IPv4 CIDR such as 192.168.1.0/24',
  })
  .meta({ title: 'IPv4 CIDR' });

export const addressWithOptionalPrefix = z
  .string()
  .refine((t) => parseCidr(t) !== undefined, {
    message: 'is not an IPv4 address (optionally with /prefix)',
  })
  .meta({ title: 'IPv4 address[/prefix]' });

export const mac = z
  .string()
  .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'is not a lower-case MAC address such as ee:ee:ee:ee:ee:ee')
  .meta({ title: 'MAC address' });

export const seconds = z.number().positive().meta({ title: 'seconds' });

/** Which of a node's addresses its name stands for: its IPv4 address, or (dual stack) its IPv6 one. */
export const family = z.union([z.literal(4), z.literal(6)], { error: 'is 4 or 6' }).default(4);
export type Family = z.output<typeof family>;

/** Free text for reports: any characters but control characters (a NUL cannot even reach a process). */
export const text = z
  .string()
  .regex(/^[^\p{Cc}]*$/u, 'may not contain control characters (newlines, tabs, NUL)')
  .meta({ title: 'text' });

/** Text handed to a program, where only NUL is impossible. */
export const withoutNul = z.string().refine((t) => !t.includes('\0'), 'may not contain a NUL character');

/** Fields every step may carry besides its kind. */
export const stepCommon = {
  name: text.min(1).optional().describe('Shown in reports. Default: derived from the step.'),
  within: seconds.optional().describe('Retry the step until it passes or this many seconds have passed.'),
};

export const presence = z.enum(['present', 'absent']).default('present');

/** `{veth:ns0}` in a route's dev or a sysctl key stands for the host-side veth of workload ns0. */
export const vethToken = /\{veth:([^}]*)\}/g;

/** The host-side veth of a workload, for a route's `dev` or inside a sysctl key. */
export function veth(workload: string): string {
  return `{veth:${workload}}`;
}
