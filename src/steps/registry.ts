import type { z } from 'zod';
import type { StepKind } from './kind.js';
import { bgp } from './kinds/bgp.js';
import { iperf3 } from './kinds/iperf3.js';
import { linkDown } from './kinds/link-down.js';
import { linkUp } from './kinds/link-up.js';
import { matrix } from './kinds/matrix.js';
import { mtu } from './kinds/mtu.js';
import { neighbour } from './kinds/neighbour.js';
import { netem } from './kinds/netem.js';
import { ping } from './kinds/ping.js';
import { route } from './kinds/route.js';
import { startBgp } from './kinds/start-bgp.js';
import { startHost } from './kinds/start-host.js';
import { stopBgp } from './kinds/stop-bgp.js';
import { stopHost } from './kinds/stop-host.js';
import { sysctl } from './kinds/sysctl.js';
import { trace } from './kinds/trace.js';
import { wait } from './kinds/wait.js';

/** Each entry's key must be the kind's own key. */
function registry<R extends { [K in keyof R]: StepKind<K & string, z.ZodType> }>(kinds: R): R {
  return kinds;
}

/** Every kind of step; adding one is one module and one line here. */
export const STEP_KINDS = registry({
  ping,
  matrix,
  route,
  neighbour,
  sysctl,
  bgp,
  iperf3,
  wait,
  linkDown,
  linkUp,
  netem,
  stopBgp,
  startBgp,
  stopHost,
  startHost,
  trace,
  mtu,
});

type Kinds = typeof STEP_KINDS;
export type StepKindName = keyof Kinds;
/** A validated step: one of the kinds, defaults applied. */
export type Step = { [K in StepKindName]: z.output<Kinds[K]['schema']> }[StepKindName];
/** A step as a scenario file writes it. */
export type StepInput = { [K in StepKindName]: z.input<Kinds[K]['schema']> }[StepKindName];

export const STEP_KIND_NAMES = Object.keys(STEP_KINDS) as StepKindName[];

/** The kinds whose key a (possibly invalid) step carries. */
export function kindKeysOf(step: object): StepKindName[] {
  return STEP_KIND_NAMES.filter((k) => k in step);
}

/** The kind a result names, for reports; undefined for a name that is no kind. */
export function kindNamed(name: string): StepKind<StepKindName, z.ZodType> | undefined {
  return STEP_KIND_NAMES.includes(name as StepKindName) ? STEP_KINDS[name as StepKindName] : undefined;
}

/**
 * The behaviour of a step's kind, typed loosely: a validated step has exactly one kind key, and
 * the caller hands the kind the very step it came from.
 */
export function kindOf(step: Step): StepKind<StepKindName, z.ZodType<Step>> {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the union of every kind, narrowed to the one the step has
  return STEP_KINDS[kindKeysOf(step)[0]!] as unknown as StepKind<StepKindName, z.ZodType<Step>>;
}
