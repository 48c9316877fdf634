import { renderCliReference } from './cli-reference.js';
import { renderScenarioReference } from './scenario-reference.js';

/** The docs pages made from the code: where each lives in the repository, and how it is made. */
export const GENERATED_PAGES: { path: string; render: () => string | Promise<string> }[] = [
  { path: 'docs/reference/scenario.md', render: () => `${renderScenarioReference()}\n` },
  { path: 'docs/reference/cli.md', render: async () => `${await renderCliReference()}\n` },
];
