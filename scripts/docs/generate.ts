/**
 * `npm run docs`: writes the pages generated from the code (the scenario reference from the zod
 * schema, the CLI reference from yargs). test/unit/docs.test.ts fails when they are out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { GENERATED_PAGES } from './pages.js';

for (const page of GENERATED_PAGES) {
  const file = new URL(`../../${page.path}`, import.meta.url);
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, await page.render());
  process.stdout.write(`wrote ${page.path}\n`);
}
