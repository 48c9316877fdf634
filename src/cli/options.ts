import type { Options } from 'yargs';
import { BACKEND_CHOICES } from '../backends/registry.js';

export const backendOption = {
  type: 'string',
  choices: BACKEND_CHOICES,
  default: 'auto',
  describe:
    'How hosts are realised: docker = containers (needs a Docker daemon), netns = Linux network namespaces ' +
    '(root, no Docker), auto = docker where a daemon answers, else netns',
} as const satisfies Options;

export const nameOption = {
  type: 'string',
  describe: 'Lab name (default: the scenario name); every resource of the lab carries it',
} as const satisfies Options;

export const privilegedOption = {
  type: 'boolean',
  default: false,
  describe: 'docker: run host containers privileged instead of with NET_ADMIN, SYS_ADMIN, NET_RAW',
} as const satisfies Options;
