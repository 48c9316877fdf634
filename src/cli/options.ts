import type { Options } from 'yargs';
import { BACKEND_NAMES } from '../backends/registry.js';

export const backendOption = {
  type: 'string',
  choices: BACKEND_NAMES,
  default: 'netns',
  describe: 'How hosts are realised: netns = Linux network namespaces (root, no Docker)',
} as const satisfies Options;

export const nameOption = {
  type: 'string',
  describe: 'Lab name (default: the scenario name); every resource of the lab carries it',
} as const satisfies Options;
