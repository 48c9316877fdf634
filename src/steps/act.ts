import type { Attempt, StepContext } from './result.js';

/** Runs a command on a node; the step fails with the command's own message when it does. */
export async function act(
  ctx: StepContext,
  node: string,
  argv: string[],
  what: string,
  input?: string,
): Promise<Attempt> {
  const result = await ctx.exec(node, argv, input === undefined ? {} : { input });
  const output = (result.stderr || result.stdout).trim();
  return {
    metrics: { node, command: argv.join(' '), exitCode: result.code },
    expected: { [what]: 'done' },
    actual: { [what]: result.code === 0 ? 'done' : output || `exit ${result.code}` },
    failures: result.code === 0 ? [] : [`${what} on ${node}: ${output || `exit ${result.code}`}`],
  };
}
