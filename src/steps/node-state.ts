import { vethToken } from '../scenario/fields.js';
import type { Topology } from '../topology/topology.js';
import type { StepContext } from './result.js';

/** Replaces `{veth:WORKLOAD}` with that workload's host-side interface name. */
export function resolveVeths(topology: Topology, text: string): string {
  return text.replace(vethToken, (_, name: string) => topology.workloads.find((w) => w.name === name)!.hostInterface);
}

/** Runs a command that prints JSON in a node; throws (failing the step) when it cannot. */
export async function readJson<T>(ctx: StepContext, node: string, argv: string[]): Promise<T> {
  const result = await ctx.exec(node, argv);
  if (result.code !== 0)
    throw new Error(`${node}: ${argv.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`);
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`${node}: ${argv.join(' ')} printed no JSON: ${result.stdout.trim().slice(0, 200)}`);
  }
}
