import { birdCommand, staticRoutes } from '../dataplane/host-plan.js';
import type { NetemStep } from '../scenario/schema.js';
import { findNode } from '../topology/topology.js';
import type { Attempt, StepContext } from './result.js';

/** Runs a shell script on a node; the step fails with the script's own message when it does. */
async function act(ctx: StepContext, node: string, script: string, what: string): Promise<Attempt> {
  const result = await ctx.backend.exec(ctx.topology.lab, node, ['sh', '-c', script]);
  const output = (result.stderr || result.stdout).trim();
  return {
    metrics: { node, command: script, exitCode: result.code },
    expected: { [what]: 'done' },
    actual: { [what]: result.code === 0 ? 'done' : output || `exit ${result.code}` },
    failures: result.code === 0 ? [] : [`${what} on ${node}: ${output || `exit ${result.code}`}`],
  };
}

/** The interface a link fault acts on, and the host it lives on: a host's uplink, a workload's host-side veth. */
function linkOf(ctx: StepContext, name: string) {
  const node = findNode(ctx.topology, name)!;
  return node.kind === 'host'
    ? { host: node.host, dev: node.host.segment.name, isUplink: true }
    : { host: node.host, dev: node.workload.hostInterface, isUplink: false, workload: node.workload };
}

export function linkDown(ctx: StepContext, name: string): Promise<Attempt> {
  const { host, dev } = linkOf(ctx, name);
  return act(ctx, host.name, `ip link set dev ${dev} down`, 'linkDown');
}

/**
 * Brings a link back and restores the routes the kernel dropped with it (a link set down loses
 * every route through it): the uplink's default and static routes, or the workload's /32.
 */
export function linkUp(ctx: StepContext, name: string): Promise<Attempt> {
  const link = linkOf(ctx, name);
  const routes = link.isUplink
    ? [['default', 'via', link.host.segment.gateway, 'dev', link.dev], ...staticRoutes(ctx.topology, link.host)]
    : [[link.workload!.address.address, 'dev', link.dev, 'scope', 'link']];
  const script = [`ip link set dev ${link.dev} up`, ...routes.map((r) => `ip route replace ${r.join(' ')}`)].join(' && ');
  return act(ctx, link.host.name, script, 'linkUp');
}

/** Shapes traffic leaving a host's uplink or a workload's eth0 with tc netem (or removes the shaping). */
export function netem(ctx: StepContext, step: NetemStep): Promise<Attempt> {
  const { node: name, delay, jitter, loss, rate, clear } = step.netem;
  const node = findNode(ctx.topology, name)!;
  const dev = node.kind === 'host' ? node.host.segment.name : node.workload.interface;
  if (clear) return act(ctx, name, `tc qdisc del dev ${dev} root 2>/dev/null; true`, 'netem');
  const options = [
    ...(delay !== undefined ? ['delay', `${delay}ms`, ...(jitter !== undefined ? [`${jitter}ms`] : [])] : []),
    ...(loss !== undefined ? ['loss', `${loss}%`] : []),
    ...(rate !== undefined ? ['rate', rate] : []),
  ];
  return act(ctx, name, `tc qdisc replace dev ${dev} root netem ${options.join(' ')}`, 'netem');
}

export function stopBgp(ctx: StepContext, host: string): Promise<Attempt> {
  const paths = ctx.backend.birdPaths(ctx.topology.lab, host);
  // `down` makes BIRD close its sessions with a notification, so peers withdraw the routes at once.
  // Wait (up to 5 s) until it has exited: gone, or a zombie its parent has not reaped yet.
  const gone = 'kill -0 $pid 2>/dev/null || break; grep -q "^State:.*Z" /proc/$pid/status 2>/dev/null && break';
  return act(
    ctx,
    host,
    `pid=$(cat ${paths.pid}) && birdc -s ${paths.socket} down >/dev/null && for i in $(seq 100); do ${gone}; sleep 0.05; done`,
    'stopBgp',
  );
}

/** Stops or boots a host through the backend, where it can. */
export async function powerHost(ctx: StepContext, host: string, on: boolean): Promise<Attempt> {
  const what = on ? 'startHost' : 'stopHost';
  const { backend, topology } = ctx;
  let failure: string | undefined;
  if (!backend.stopHost || !backend.startHost) failure = `the ${backend.name} backend cannot stop and start hosts`;
  else {
    try {
      if (on) await backend.startHost(topology.lab, ctx.hosts.find((p) => p.host === host)!);
      else await backend.stopHost(topology.lab, host);
    } catch (error) {
      failure = (error as Error).message;
    }
  }
  return {
    metrics: { node: host },
    expected: { [what]: 'done' },
    actual: { [what]: failure ?? 'done' },
    failures: failure ? [`${what} ${host}: ${failure}`] : [],
  };
}

export function startBgp(ctx: StepContext, host: string): Promise<Attempt> {
  return act(ctx, host, birdCommand(ctx.backend.birdPaths(ctx.topology.lab, host)).join(' '), 'startBgp');
}
