import { defineScenario } from 'testbed';
import { gridScenario } from '../grid.js';

// N hosts x W workloads (env N, W; default 10 x 4), static routes, every pair checked once.
const scenario = gridScenario(Number(process.env.N ?? 10), Number(process.env.W ?? 4));
export default defineScenario({ ...scenario, steps: [{ matrix: {} }] });
