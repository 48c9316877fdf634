import { z } from 'zod';
import { ScenarioError } from '../errors.js';
import { checkLab, labShape, type LabDefinition, type Path } from '../scenario/lab-schema.js';
import { collectReferences } from '../scenario/references.js';
import { kindKeysOf, STEP_KIND_NAMES, STEP_KINDS, type Step, type StepInput } from './registry.js';

/** A scenario as a file writes it; `defineScenario` checks this type in editors. */
export type ScenarioInput = z.input<z.ZodObject<typeof labShape>> & { steps?: StepInput[] };
/** A validated scenario: the lab, then the steps that run in it. */
export type Scenario = LabDefinition & { steps: Step[] };

/** Declares a scenario; typed for editors, validated when loaded. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

const labSchema = z.strictObject({ ...labShape, steps: z.array(z.unknown()).default([]) });

interface Issue {
  path: Path;
  message: string;
}

/** zod's words for a missing field are "expected string, received undefined". */
const requiredMessage = {
  error: (issue: { code: string; input?: unknown }) =>
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined ? 'is required' : undefined,
};

function zodIssues(error: z.ZodError, prefix: Path): Issue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...(i.path as (string | number)[])],
    message: i.code === 'unrecognized_keys' ? `unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message,
  }));
}

/**
 * Validates a scenario in one pass: the lab's shape, each step against its own kind, every
 * reference against the nodes as written, and the lab's cross-field rules; every problem at once.
 */
export function parseScenario(file: string, value: unknown): Scenario {
  const issues: Issue[] = [];
  const fail = (path: Path, message: string) => issues.push({ path, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ScenarioError(file, [{ path: '', message: 'the default export must be a scenario object (export default defineScenario({...}))' }]);
  }

  const lab = labSchema.safeParse(value, requiredMessage);
  if (!lab.success) issues.push(...zodIssues(lab.error, []));

  const refs = collectReferences(value, fail);
  const rawSteps = (value as { steps?: unknown }).steps;
  const steps: Step[] = [];
  (Array.isArray(rawSteps) ? rawSteps : []).forEach((raw: unknown, i) => {
    const path: Path = ['steps', i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(path, 'must be an object with one step kind');
    const keys = kindKeysOf(raw);
    if (keys.length !== 1) {
      return fail(path, keys.length === 0 ? `must have exactly one of ${STEP_KIND_NAMES.join(', ')}` : `has several kinds (${keys.join(', ')}); a step has one`);
    }
    const kind = STEP_KINDS[keys[0]!];
    const parsed = kind.schema.safeParse(raw, requiredMessage);
    if (!parsed.success) return void issues.push(...zodIssues(parsed.error, path));
    (kind.references as (s: unknown, r: typeof refs, p: Path) => void)(parsed.data, refs, path);
    steps.push(parsed.data as Step);
  });

  if (lab.success) checkLab(lab.data, fail);
  if (issues.length > 0 || !lab.success) {
    throw new ScenarioError(file, issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  }
  const { steps: _, ...definition } = lab.data;
  return { ...definition, steps };
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
}
