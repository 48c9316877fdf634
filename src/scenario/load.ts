import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import type { z } from 'zod';
import { ScenarioError } from '../errors.js';
import { scenarioSchema, STEP_KINDS, type Scenario } from './schema.js';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/** Scenario files import from "testbed"; point that at this very package wherever the file lives. */
const packageEntry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url));

/** Loads and validates a scenario file (.ts, .mts, .js, .mjs) exporting a scenario as default. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ScenarioError(file, [{ path: '', message: 'file not found' }]);
  if (!statSync(path).isFile()) throw new ScenarioError(file, [{ path: '', message: 'is not a file' }]);

  let exported: unknown;
  try {
    const jiti = createJiti(import.meta.url, { alias: { testbed: packageEntry }, moduleCache: false });
    exported = await jiti.import(path, { default: true });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const message = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
    throw new ScenarioError(file, [{ path: '', message: `cannot be loaded: ${message}` }]);
  }
  if (exported === undefined || exported === null) {
    throw new ScenarioError(file, [{ path: '', message: 'has no default export (export default defineScenario({...}))' }]);
  }
  return { file, scenario: parseScenario(file, exported) };
}

export function parseScenario(file: string, value: unknown): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (result.success) return result.data;
  throw new ScenarioError(
    file,
    result.error.issues.flatMap(explainUnion).map((i) => ({ path: formatPath(i.path), message: describe(i) })),
  );
}

/**
 * A step is a union of kinds; zod reports every kind's complaints. The kind with the fewest
 * complaints is the one the author meant, so report only its issues, under the step's path.
 */
function explainUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const sizes = issue.errors.map((e) => e.length);
  const fewest = Math.min(...sizes);
  if (sizes.filter((n) => n === fewest).length > 1) return [issue];
  const branch = issue.errors[sizes.indexOf(fewest)]!;
  return branch.flatMap((i) => explainUnion({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union') return `must have exactly one of ${STEP_KINDS.join(', ')}`;
  return issue.message;
}
