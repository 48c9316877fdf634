import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createJiti } from 'jiti';
import { BACKEND_NAMES, profileOf, type BackendName } from '../backends/registry.js';
import { ScenarioError, UsageError } from '../errors.js';
import { labName } from '../scenario/fields.js';
import { fromZod, validateScenario, type Issue, type Scenario } from '../steps/scenario.js';
import { resolveTopology, type Topology } from '../topology/topology.js';
import type { LabSpec } from './spec.js';

/**
 * Scenario files import from "testbed": they get this very package, wherever the file lives, as
 * the module already loaded (transpiling the package again for every scenario cost seconds).
 */
const packageEntry = new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url).href;
/** A scenario module that has not finished loading by then waits on something that never comes. */
const LOAD_TIMEOUT_MS = 20_000;

/** Loads and validates a scenario file (.ts, .mts, .js, .mjs) exporting a scenario as default. */
export async function loadScenario(file: string): Promise<Scenario> {
  const path = resolve(file);
  const problem = (message: string) => new ScenarioError(file, [{ path: '', message }]);
  if (!existsSync(path)) throw problem('file not found');
  if (!statSync(path).isFile()) throw problem('is not a file');

  let module: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  try {
    const jiti = createJiti(import.meta.url, {
      virtualModules: { testbed: (await import(packageEntry)) as unknown },
      moduleCache: false,
      interopDefault: false,
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `did not finish loading within ${LOAD_TIMEOUT_MS / 1000} s (a top-level await that never settles?)`,
            ),
          ),
        LOAD_TIMEOUT_MS,
      );
    });
    module = (await Promise.race([jiti.import(path), timeout])) as Record<string, unknown>;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw problem(
      `cannot be loaded: ${text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(0, 3)
        .join(' ')}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (module === null || typeof module !== 'object' || !('default' in module)) {
    throw problem('has no default export (export default defineScenario({...}))');
  }
  return checkScenario(file, module.default);
}

/** Validates a scenario value (from a file, or the library's object) with every backend's options, in one pass. */
export function checkScenario(file: string, value: unknown): Scenario {
  let result: ReturnType<typeof validateScenario> & { backendIssues: Issue[] };
  try {
    result = { ...validateScenario(value), backendIssues: backendOptionIssues(value) };
  } catch (error) {
    // A getter or proxy in the scenario that throws while it is read.
    throw new ScenarioError(file, [
      { path: '', message: `cannot be read: ${error instanceof Error ? error.message : String(error)}` },
    ]);
  }
  const issues = [...result.issues, ...result.backendIssues];
  if (!result.scenario || issues.length > 0) throw new ScenarioError(file, issues);
  return result.scenario;
}

/** Loads and validates a scenario and resolves it into the lab `name`, touching nothing. */
export async function loadLab(file: string, name?: string): Promise<LabSpec> {
  return specOf(file, await loadScenario(file), name);
}

/** A validated scenario resolved into the lab `name`: the name checked, the generated interface names too. */
export function specOf(file: string, scenario: Scenario, name?: string): LabSpec {
  if (name !== undefined) {
    const check = labName.safeParse(name);
    if (!check.success) throw new UsageError(`--name "${name}" ${check.error.issues[0]!.message}`);
  }
  const topology = resolveTopology(scenario, name ?? scenario.name);
  const clashes = interfaceClashes(topology);
  if (clashes.length > 0) throw new ScenarioError(file, clashes);
  return {
    topology,
    steps: scenario.steps,
    scenarioFile: file,
    backendOptions: scenario.backendOptions,
  };
}

/** Each backend's options in a scenario, checked by that backend's profile in the same pass as the rest. */
function backendOptionIssues(value: unknown): Issue[] {
  const scenario = (typeof value === 'object' && value !== null ? value : {}) as {
    backendOptions?: unknown;
    hosts?: unknown;
  };
  const options = scenario.backendOptions;
  if (typeof options !== 'object' || options === null) return [];
  const hosts = (Array.isArray(scenario.hosts) ? scenario.hosts : []).flatMap((h: { name?: unknown }) =>
    typeof h?.name === 'string' ? [h.name] : [],
  );
  return Object.entries(options).flatMap(([backend, settings]) => {
    if (!BACKEND_NAMES.includes(backend as BackendName)) {
      return [
        { path: `backendOptions.${backend}`, message: `is not a backend (backends: ${BACKEND_NAMES.join(', ')})` },
      ];
    }
    const profile = profileOf(backend as BackendName);
    const result = profile.options.safeParse(settings);
    if (!result.success) return fromZod(result.error, ['backendOptions', backend]);
    return (profile.checkOptions?.(result.data, hosts) ?? []).map((i) => ({
      path: `backendOptions.${backend}.${i.path}`,
      message: i.message,
    }));
  });
}

/**
 * Interface names a host would hold twice, once the generated cali names are known (they depend
 * on the lab's name): the kernel would refuse the second one half-way through the build.
 */
function interfaceClashes(topology: Topology): { path: string; message: string }[] {
  return topology.hosts.flatMap((host, h) => {
    const owners = new Map<string, string>([[host.segment.name, 'its uplink']]);
    return host.workloads.flatMap((w, i) => {
      const owner = owners.get(w.hostInterface);
      owners.set(w.hostInterface, `the veth of workload ${w.name}`);
      if (!owner) return [];
      return [
        {
          path: `hosts[${h}].workloads[${i}].hostInterface`,
          message: `interface "${w.hostInterface}" on ${host.name} is already ${owner}`,
        },
      ];
    });
  });
}
