import type { Options } from 'yargs';
import { AUTO_DESCRIPTION, BACKEND_CHOICES, backendFlags, describeBackends } from '../backends/registry.js';

export const backendOption = {
  type: 'string',
  choices: BACKEND_CHOICES,
  default: 'auto',
  describe: `How hosts are realised: ${describeBackends()}; auto = ${AUTO_DESCRIPTION}`,
} as const satisfies Options;

export const nameOption = {
  type: 'string',
  describe: 'Lab name (default: the scenario name); every resource of the lab carries it',
} as const satisfies Options;

/** The flags backends declare (docker's --privileged); unset unless given, so a scenario's own setting stands. */
export function backendFlagOptions(): Record<string, Options> {
  return Object.fromEntries(Object.entries(backendFlags()).map(([flag, option]) => [flag, { ...option, default: undefined }]));
}

/** The values of the backend flags the user gave. */
export function backendFlagValues(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(backendFlags()).map((flag) => [flag, args[flag]]));
}
