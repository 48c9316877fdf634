export { defineScenario } from './steps/scenario.js';
export { veth } from './scenario/fields.js';
export type { ScenarioInput, Scenario } from './steps/scenario.js';
export type { Step, StepInput } from './steps/registry.js';
