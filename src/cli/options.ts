import type { Options } from 'yargs';
import type { BackendProfile } from '../backends/backend.js';
import {
  AUTO_DESCRIPTION,
  BACKEND_CHOICES,
  BACKEND_NAMES,
  backendFlags,
  describeBackends,
  PLAN_BACKEND,
} from '../backends/registry.js';
import { UsageError } from '../errors.js';

/** --backend of the commands that build a lab: auto takes the first backend that works here. */
export const backendOption = {
  type: 'string',
  choices: BACKEND_CHOICES,
  default: 'auto',
  describe: `How hosts are realised: ${describeBackends()}; auto = ${AUTO_DESCRIPTION}`,
} as const satisfies Options;

/** --backend of the commands that find a running lab: auto looks on every backend that works here. */
export const searchBackendOption = {
  ...backendOption,
  describe: `Where to look for labs: ${BACKEND_NAMES.join(', ')}; auto = every backend that works here`,
} as const satisfies Options;

/** --backend of `plan`, which builds nothing: whose plan to print. */
export const planBackendOption = {
  type: 'string',
  choices: BACKEND_NAMES,
  default: PLAN_BACKEND,
  describe: `Whose plan to print: ${describeBackends()}`,
} as const satisfies Options;

export const nameOption = {
  type: 'string',
  describe: 'Lab name (default: the scenario name; with one scenario file only); every resource of the lab carries it',
} as const satisfies Options;

/**
 * The flags backends declare (docker's --privileged); unset unless given, so a scenario's own
 * setting stands. Commands that build a lab take them all; commands that find a running lab only
 * those that say where to look (swarm's --engine): the others would change nothing there.
 */
export function backendFlagOptions(use: 'build' | 'find'): Record<string, Options> {
  return Object.fromEntries(
    Object.entries(backendFlags()).flatMap(([flag, { runtime, ...option }]) =>
      use === 'build' || runtime ? [[flag, { ...option, default: undefined }]] : [],
    ),
  );
}

/** Whether a flag was given: yargs leaves an array flag that was not given as [undefined]. */
const given = (value: unknown) => [value].flat().some((v) => v !== undefined);

/** The values of every backend flag given, for the runtimes that read them (swarm's engines). */
export function backendSettings(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(backendFlags()).flatMap((flag) => (given(args[flag]) ? [[flag, args[flag]]] : [])),
  );
}

/** The option a flag sets: `--overlay-timeout` sets `overlayTimeout`. */
const optionOf = (flag: string) => flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** The values of the chosen backend's flags, by the option each sets; a flag of another backend is a usage error. */
export function backendFlagValues(args: Record<string, unknown>, profile: BackendProfile): Record<string, unknown> {
  for (const flag of Object.keys(backendFlags())) {
    if (given(args[flag]) && !(flag in profile.flags)) {
      throw new UsageError(
        `--${flag} is not an option of the ${profile.name} backend (${backendFlags()[flag]!.describe})`,
      );
    }
  }
  return Object.fromEntries(
    Object.entries(profile.flags).flatMap(([flag, spec]) =>
      spec.runtime || !given(args[flag]) ? [] : [[optionOf(flag), args[flag]]],
    ),
  );
}
