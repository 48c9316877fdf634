import { z } from 'zod';
import { ScenarioError } from '../errors.js';
import { labShape, validateLab } from '../scenario/lab-schema.js';
import type { Path } from '../scenario/problems.js';
import type { LabDefinition } from '../topology/definition.js';
import { collectReferences, type References } from '../scenario/references.js';
import type { Topology } from '../topology/topology.js';
import { formatCidr } from '../net/ipv4.js';
import { kindKeysOf, STEP_KIND_NAMES, STEP_KINDS, type Step, type StepInput } from './registry.js';

/** A scenario as a file writes it; `defineScenario` checks this type in editors. */
export type ScenarioInput = z.input<z.ZodObject<typeof labShape>> & { steps?: StepInput[] };
/** A validated scenario: the lab, then the steps that run in it. */
export type Scenario = LabDefinition & { steps: Step[] };

/** Declares a scenario; typed for editors, validated when loaded. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

/** One problem of a scenario: where, and why. */
export interface Issue {
  path: string;
  message: string;
}

/** zod's words for a missing field are "expected string, received undefined". */
const REQUIRED = {
  error: (issue: { code: string; input?: unknown }) =>
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined
      ? 'is required'
      : undefined,
};

/** zod's issues as ours: under `prefix`, unknown keys named the way the README names them. */
export function fromZod(error: z.ZodError, prefix: Path): Issue[] {
  return error.issues.map((i) => ({
    path: formatPath([...prefix, ...(i.path as Path)]),
    message: i.code === 'unrecognized_keys' ? `unknown field ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message,
  }));
}

/**
 * Validates a scenario in one pass: the lab's fields and elements each on their own, each step
 * against its own kind, every reference against the nodes as written, and the cross-field rules
 * over everything that parsed; every problem at once, in the order of the file.
 */
export function validateScenario(value: unknown): { scenario?: Scenario; issues: Issue[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      issues: [
        { path: '', message: 'the default export must be a scenario object (export default defineScenario({...}))' },
      ],
    };
  }
  const issues: { path: Path; issue: Issue }[] = [];
  const fail = (path: Path, message: string) => issues.push({ path, issue: { path: formatPath(path), message } });
  const zodFail = (error: z.ZodError, prefix: Path) => {
    for (const i of error.issues)
      issues.push({ path: [...prefix, ...(i.path as Path)], issue: fromZod(new z.ZodError([i]), prefix)[0]! });
  };

  const lab = validateLab(value, fail, zodFail, REQUIRED);
  const refs = collectReferences(value, fail);
  const rawSteps = (value as { steps?: unknown }).steps;
  const steps = (Array.isArray(rawSteps) ? rawSteps : []).flatMap((raw: unknown, i) => {
    const step = checkStep(raw, ['steps', i], refs, fail, zodFail);
    return step ? [step] : [];
  });
  const ordered = issues.sort((a, b) => comparePaths(a.path, b.path)).map((i) => i.issue);
  return lab && ordered.length === 0 ? { scenario: { ...lab, steps }, issues: [] } : { issues: ordered };
}

/** One step against its kind, and its references against the nodes as written. */
function checkStep(
  raw: unknown,
  path: Path,
  refs: References,
  fail: (path: Path, message: string) => void,
  zodFail: (error: z.ZodError, prefix: Path) => void,
): Step | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return void fail(path, 'must be an object with one step kind');
  const keys = kindKeysOf(raw);
  if (keys.length !== 1) {
    return void fail(
      path,
      keys.length === 0
        ? `must have exactly one of ${STEP_KIND_NAMES.join(', ')}`
        : `has several kinds (${keys.join(', ')}); a step has one`,
    );
  }
  const kind = STEP_KINDS[keys[0]!];
  const references = (step: unknown, r: References, p: Path) =>
    (kind.references as (step: unknown, r: References, p: Path) => void).call(kind, step, r, p);
  const parsed = kind.schema.safeParse(raw, REQUIRED);
  if (parsed.success) {
    references(parsed.data, refs, path);
    return parsed.data;
  }
  zodFail(parsed.error, path);
  // The step's references are checked as written too; a field too broken to read is skipped.
  try {
    references(raw, refs, path);
  } catch {
    // reported above
  }
  return undefined;
}

/** One step of a lab already resolved (the library's `lab.check`): the step, or every problem with it. */
export function validateStep(input: unknown, topology: Topology): { step?: Step; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: Path, message: string) => issues.push({ path: formatPath(path), message });
  const zodFail = (error: z.ZodError, prefix: Path) => issues.push(...fromZod(error, prefix));
  const asWritten = {
    routing: topology.routing,
    // What references read: names, and which address families each node has.
    hosts: topology.hosts.map((h) => ({
      name: h.name,
      address6: h.address6,
      workloads: h.workloads.map((w) => ({
        name: w.name,
        address: w.address && formatCidr(w.address),
        address6: w.address6,
      })),
    })),
  };
  const step = checkStep(input, ['step'], collectReferences(asWritten, fail), fail, zodFail);
  return step && issues.length === 0 ? { step, issues } : { issues };
}

/** Validates a scenario; throws ScenarioError with every problem. */
export function parseScenario(file: string, value: unknown): Scenario {
  const { scenario, issues } = validateScenario(value);
  if (!scenario) throw new ScenarioError(file, issues);
  return scenario;
}

/** Document order: the order of the fields in the scenario, then array positions. */
const FIELD_ORDER = [...Object.keys(labShape), 'steps'];
function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (i === 0) return FIELD_ORDER.indexOf(String(x)) - FIELD_ORDER.indexOf(String(y));
    return 0;
  }
  return a.length - b.length;
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
}
