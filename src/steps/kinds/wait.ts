import { z } from 'zod';
import { nodeName, stepCommon, withoutNul } from '../../scenario/fields.js';
import { defineStepKind } from '../kind.js';
import { compare, type Attempt, type StepContext } from '../result.js';
import { pause } from '../../util/interrupt.js';
import { resolveVeths } from '../node-state.js';

const schema = z.strictObject({
  ...stepCommon,
  wait: z
    .union(
      [
        z.strictObject({ seconds: z.number().min(0).max(3600).describe('Pause this many seconds.') }),
        z.strictObject({
          node: nodeName.describe('The node the command runs in.'),
          command: z
            .array(withoutNul)
            .min(1)
            .describe(
              'Run until it exits 0 (give the step a `within`), as an argument list: no shell. "{veth:WORKLOAD}" in a word stands for the workload\'s host-side veth.',
            ),
        }),
      ],
      { error: 'must be either { seconds } (a pause) or { node, command } (command: an array of words)' },
    )
    .describe('Either `{ seconds }`, a pause, or `{ node, command }`: until the command exits 0 in the node.'),
});

export type WaitStep = z.output<typeof schema>;

export const wait = defineStepKind({
  key: 'wait',
  role: 'action',
  schema,
  references(s, refs, path) {
    if (!('node' in s.wait)) return;
    refs.node([...path, 'wait', 'node'], s.wait.node);
    s.wait.command.forEach((word, i) => refs.veths([...path, 'wait', 'command', i], word));
  },
  name: (s) =>
    'seconds' in s.wait
      ? `wait ${s.wait.seconds} s`
      : `wait until ${s.wait.command.join(' ')} succeeds on ${s.wait.node}`,
  nodes: (s) => ('node' in s.wait ? [s.wait.node] : []),
  needs: () => [],
  attempt: runWait,
  figures: (m) => ('seconds' in m ? `${m.seconds} s` : `exit ${m.exitCode}`),
  // A command may change the lab, or wait for a state that later steps rely on: either way, what
  // follows it may observe it, to the end of the scenario.
  effect: (s) => ('node' in s.wait ? { sets: `command:${s.wait.node}:${JSON.stringify(s.wait.command)}` } : undefined),
});

/** A pause, or a condition: a command in a node that must exit 0 (retried with `within`). */
async function runWait(ctx: StepContext, step: WaitStep): Promise<Attempt> {
  const wait = step.wait;
  if ('seconds' in wait) {
    await pause(wait.seconds * 1000);
    return { metrics: { seconds: wait.seconds }, expected: {}, actual: {}, failures: [] };
  }
  const result = await ctx.exec(
    wait.node,
    wait.command.map((word) => resolveVeths(ctx.topology, word)),
  );
  return {
    metrics: { exitCode: result.code, output: (result.stdout + result.stderr).trim().slice(0, 500) },
    expected: { exitCode: 0 },
    actual: { exitCode: result.code },
    failures: compare('exitCode', 0, result.code, result.code === 0),
  };
}
