export { defineScenario } from './steps/scenario.js';
export { veth } from './scenario/fields.js';
export { startLab, Lab } from './lab/api.js';
export type { StartLabOptions, PingOptions, RunStepsOptions } from './lab/api.js';
export type { ScenarioInput, Scenario } from './steps/scenario.js';
export type { Step, StepInput } from './steps/registry.js';
export type { StepResult, EarlierRun, Metric } from './steps/result.js';
