import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { defineStepKind } from '../kind.js';
import { resolveVeths } from '../node-state.js';
import { compare, type Attempt, type StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  sysctl: z
    .strictObject({
      node: nodeName.describe('The node in which the sysctl is read.'),
      key: z
        .string()
        .regex(/^[A-Za-z0-9_.{}:-]+$/, 'is not a sysctl key such as net.ipv4.ip_forward')
        .describe('e.g. "net.ipv4.conf.{veth:ns0}.proxy_arp".'),
    })
    .describe('Reads a sysctl in a node and compares its value.'),
  expect: z
    .union([z.string(), z.number()])
    .transform(String)
    .describe('The value it must have, compared as text: 1 and "1" are the same.'),
});

export type SysctlStep = z.output<typeof schema>;

export const sysctl = defineStepKind({
  key: 'sysctl',
  role: 'check',
  schema,
  references(s, refs, path) {
    refs.node([...path, 'sysctl', 'node'], s.sysctl.node);
    refs.veths([...path, 'sysctl', 'key'], s.sysctl.key);
  },
  name: (s) => `${s.sysctl.node} ${s.sysctl.key} = ${s.expect}`,
  nodes: (s) => [s.sysctl.node],
  needs: () => [],
  attempt: checkSysctl,
  figures: (m) => `= ${m.value ?? 'unreadable'}`,
});

async function checkSysctl(ctx: StepContext, step: SysctlStep): Promise<Attempt> {
  // Dots become slashes before the veth names go in: an interface name may itself hold a dot.
  const key = resolveVeths(ctx.topology, step.sysctl.key.replaceAll('.', '/'));
  const path = `/proc/sys/${key}`;
  const result = await ctx.exec(step.sysctl.node, ['cat', path]);
  const value = result.code === 0 ? result.stdout.trim() : null;
  return {
    metrics: { path, value },
    expected: { value: step.expect },
    actual: { value: value ?? `unreadable (${result.stderr.trim()})` },
    failures: compare(path, step.expect, value, value === step.expect),
  };
}
