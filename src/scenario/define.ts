import type { ScenarioInput } from './schema.js';

/** Declares a scenario; typed for editors, validated when loaded. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

/** The host-side veth of a workload, for a route's `dev` or inside a sysctl key. */
export function veth(workload: string): string {
  return `{veth:${workload}}`;
}
