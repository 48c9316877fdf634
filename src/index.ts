export { defineScenario, veth } from './scenario/define.js';
export type { ScenarioInput, Scenario, Step } from './scenario/schema.js';
