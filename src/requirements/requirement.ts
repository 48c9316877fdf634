import type { KernelFeature } from './kernel.js';
import type { ProgramName } from './programs.js';

/** What a backend may or may not be able to do, declared in its profile. */
export type BackendCapability = 'power' | 'routedSegments' | 'ipv6';

export const CAPABILITY_DESCRIPTIONS: Record<BackendCapability, string> = {
  power: 'stopping and starting hosts',
  routedSegments: 'routing between several segments',
  ipv6: 'IPv6 between hosts',
};

/** Something a scenario needs where its hosts run: a program, a kernel feature, a backend capability. */
export type Requirement = { program: ProgramName } | { kernel: KernelFeature } | { capability: BackendCapability };

export const program = (name: ProgramName): Requirement => ({ program: name });
export const kernel = (feature: KernelFeature): Requirement => ({ kernel: feature });
export const capability = (name: BackendCapability): Requirement => ({ capability: name });

export function requirementName(r: Requirement): string {
  if ('program' in r) return r.program;
  if ('kernel' in r) return r.kernel;
  return CAPABILITY_DESCRIPTIONS[r.capability];
}
