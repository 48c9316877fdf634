import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { kernel, program } from '../../requirements/requirement.js';
import { clearNetemArgv, netemArgv, shapedLink } from '../../dataplane/shaping.js';
import { act } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';
import type { StepContext } from '../result.js';

const schema = z.strictObject({
  ...stepCommon,
  netem: z
    .strictObject({
      node: nodeName.describe('A host (shapes its uplink) or a workload (shapes its eth0).'),
      delay: z.number().min(0).optional().describe('Milliseconds.'),
      jitter: z.number().min(0).optional().describe('Milliseconds, with delay.'),
      loss: z.number().min(0).max(100).optional().describe('Percent.'),
      rate: z
        .string()
        .regex(/^\d+(\.\d+)?[kmg]?(bit|bps)$/, 'is not a tc rate such as 10mbit')
        .optional()
        .describe('e.g. "10mbit" (tc rate syntax).'),
      clear: z.boolean().default(false).describe('Remove the shaping instead.'),
    })
    .refine((n) => n.jitter === undefined || n.delay !== undefined, {
      message: 'jitter needs a delay',
      path: ['jitter'],
    })
    .refine((n) => !n.clear || [n.delay, n.jitter, n.loss, n.rate].every((v) => v === undefined), {
      message: 'clear takes no delay, jitter, loss or rate',
    })
    .refine((n) => n.clear || [n.delay, n.loss, n.rate].some((v) => v !== undefined), {
      message: 'needs a delay, loss or rate (or clear: true)',
    })
    .describe(
      'Shapes a link with tc netem: delay, jitter, loss and rate, or clears the shaping. Needs netem in the kernel.',
    ),
});

export type NetemStep = z.output<typeof schema>;

export const netem = defineStepKind({
  key: 'netem',
  role: 'action',
  schema,
  references: (s, refs, path) => refs.node([...path, 'netem', 'node'], s.netem.node),
  name: ({ netem: n }) =>
    n.clear
      ? `netem cleared on ${n.node}`
      : `netem on ${n.node}:${n.delay !== undefined ? ` delay ${n.delay} ms` : ''}${n.jitter !== undefined ? ` ±${n.jitter} ms` : ''}${n.loss !== undefined ? ` loss ${n.loss}%` : ''}${n.rate ? ` rate ${n.rate}` : ''}`,
  nodes: (s) => [s.netem.node],
  needs: () => [program('tc'), program('sh'), kernel('sch_netem')],
  attempt: shape,
  figures: actionFigures,
  effect: (s) => (s.netem.clear ? { clears: `netem:${s.netem.node}` } : { sets: `netem:${s.netem.node}` }),
});

/** Shapes traffic leaving a host's uplink or a workload's eth0 with tc netem, or removes that shaping. */
function shape(ctx: StepContext, step: NetemStep) {
  const { clear, ...shaping } = step.netem;
  const { node, dev } = shapedLink(ctx.topology, step.netem.node);
  return act(ctx, node, clear ? clearNetemArgv(dev) : netemArgv(dev, shaping), 'netem');
}
