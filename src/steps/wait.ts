import type { WaitStep } from '../scenario/schema.js';
import { compare, type Attempt, type StepContext } from './result.js';

/** A pause, or a condition: a command in a node that must exit 0 (retried with `within`). */
export async function runWait(ctx: StepContext, step: WaitStep): Promise<Attempt> {
  const wait = step.wait;
  if ('seconds' in wait) {
    await new Promise((resolve) => setTimeout(resolve, wait.seconds * 1000));
    return { metrics: { seconds: wait.seconds }, expected: {}, actual: {}, failures: [] };
  }
  const result = await ctx.backend.exec(ctx.topology.lab, wait.node, wait.command);
  return {
    metrics: { exitCode: result.code, output: (result.stdout + result.stderr).trim().slice(0, 500) },
    expected: { exitCode: 0 },
    actual: { exitCode: result.code },
    failures: compare('exitCode', 0, result.code, result.code === 0),
  };
}
