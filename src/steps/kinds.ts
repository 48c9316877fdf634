import type { Step } from '../scenario/schema.js';
import { checkBgp } from './bgp.js';
import { linkDown, linkUp, netem, powerHost, startBgp, stopBgp } from './faults.js';
import { runIperf3 } from './iperf3.js';
import { runMatrix } from './matrix.js';
import { runPing } from './ping.js';
import type { Attempt, StepContext } from './result.js';
import { checkNeighbour, checkRoute, checkSysctl } from './state.js';
import { runWait } from './wait.js';

/** Per kind of step: its default name, the nodes whose state explains a failure, and one attempt. */
interface KindOf<S> {
  name(step: S): string;
  nodes(step: S): string[];
  attempt(ctx: StepContext, step: S): Promise<Attempt>;
  /** Seconds to retry when the scenario gives no `within`. */
  within?: number;
}

type StepOf<K extends string> = Extract<Step, Record<K, unknown>>;

const kinds = {
  ping: {
    name: (s) => `ping ${s.ping.from} -> ${s.ping.to}${s.expect.reachable ? '' : ' (unreachable)'}`,
    nodes: (s) => [s.ping.from, s.ping.to],
    attempt: runPing,
  } as KindOf<StepOf<'ping'>>,
  matrix: {
    name: (s) => `every pair of ${s.matrix.among?.join(', ') ?? 'workloads'} ${s.expect.reachable ? 'reachable' : 'unreachable'}`,
    nodes: () => [],
    attempt: runMatrix,
  } as KindOf<StepOf<'matrix'>>,
  route: {
    name: ({ route: r, expect }) =>
      `${r.node} route ${[r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`, r.scope && `scope ${r.scope}`, r.proto && `proto ${r.proto}`]
        .filter(Boolean)
        .join(' ')} ${expect}`,
    nodes: (s) => [s.route.node],
    attempt: checkRoute,
  } as KindOf<StepOf<'route'>>,
  neighbour: {
    name: ({ neighbour: n, expect }) => `${n.node} neighbour ${n.address}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${expect}`,
    nodes: (s) => [s.neighbour.node],
    attempt: checkNeighbour,
  } as KindOf<StepOf<'neighbour'>>,
  sysctl: {
    name: (s) => `${s.sysctl.node} ${s.sysctl.key} = ${s.expect}`,
    nodes: (s) => [s.sysctl.node],
    attempt: checkSysctl,
  } as KindOf<StepOf<'sysctl'>>,
  bgp: {
    name: (s) => `BGP converged on ${s.bgp.hosts?.join(', ') ?? 'every host'}`,
    nodes: (s) => s.bgp.hosts ?? [],
    attempt: checkBgp,
    within: 30,
  } as KindOf<StepOf<'bgp'>>,
  iperf3: {
    name: (s) => `iperf3 ${s.iperf3.protocol} ${s.iperf3.from} -> ${s.iperf3.to}`,
    nodes: (s) => [s.iperf3.from, s.iperf3.to],
    attempt: runIperf3,
  } as KindOf<StepOf<'iperf3'>>,
  wait: {
    name: (s) => ('seconds' in s.wait ? `wait ${s.wait.seconds} s` : `wait until ${s.wait.command.join(' ')} succeeds on ${s.wait.node}`),
    nodes: (s) => ('node' in s.wait ? [s.wait.node] : []),
    attempt: runWait,
  } as KindOf<StepOf<'wait'>>,
  linkDown: {
    name: (s) => `link down: ${s.linkDown}`,
    nodes: (s) => [s.linkDown],
    attempt: (ctx, s) => linkDown(ctx, s.linkDown),
  } as KindOf<StepOf<'linkDown'>>,
  linkUp: {
    name: (s) => `link up: ${s.linkUp}`,
    nodes: (s) => [s.linkUp],
    attempt: (ctx, s) => linkUp(ctx, s.linkUp),
  } as KindOf<StepOf<'linkUp'>>,
  netem: {
    name: ({ netem: n }) =>
      n.clear
        ? `netem cleared on ${n.node}`
        : `netem on ${n.node}:${n.delay !== undefined ? ` delay ${n.delay} ms` : ''}${n.jitter !== undefined ? ` ±${n.jitter} ms` : ''}${n.loss !== undefined ? ` loss ${n.loss}%` : ''}${n.rate ? ` rate ${n.rate}` : ''}`,
    nodes: (s) => [s.netem.node],
    attempt: netem,
  } as KindOf<StepOf<'netem'>>,
  stopBgp: {
    name: (s) => `stop BIRD on ${s.stopBgp}`,
    nodes: (s) => [s.stopBgp],
    attempt: (ctx, s) => stopBgp(ctx, s.stopBgp),
  } as KindOf<StepOf<'stopBgp'>>,
  startBgp: {
    name: (s) => `start BIRD on ${s.startBgp}`,
    nodes: (s) => [s.startBgp],
    attempt: (ctx, s) => startBgp(ctx, s.startBgp),
  } as KindOf<StepOf<'startBgp'>>,
  stopHost: {
    name: (s) => `stop host ${s.stopHost}`,
    nodes: () => [],
    attempt: (ctx, s) => powerHost(ctx, s.stopHost, false),
  } as KindOf<StepOf<'stopHost'>>,
  startHost: {
    name: (s) => `start host ${s.startHost}`,
    nodes: (s) => [s.startHost],
    attempt: (ctx, s) => powerHost(ctx, s.startHost, true),
  } as KindOf<StepOf<'startHost'>>,
};

export type StepKind = keyof typeof kinds;

export function stepKind(step: Step): StepKind {
  return (Object.keys(kinds) as StepKind[]).find((k) => k in step)!;
}

/** The behaviour of a step's kind, typed loosely: the caller pairs it with the step it came from. */
export function kindOf(step: Step): KindOf<Step> {
  return kinds[stepKind(step)] as unknown as KindOf<Step>;
}
