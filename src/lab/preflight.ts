import type { Backend, BackendProfile, Progress } from '../backends/backend.js';
import { backendsWith } from '../backends/registry.js';
import type { LabSpec } from './spec.js';
import { InfraError } from '../errors.js';
import { KERNEL_FEATURES } from '../requirements/kernel.js';
import { parseProbe, probeScript } from '../requirements/probe.js';
import { PROGRAMS, type ProgramName } from '../requirements/programs.js';
import { capability, kernel, program, requirementName, type Requirement } from '../requirements/requirement.js';
import { kindOf } from '../steps/registry.js';

/** One thing a scenario needs, and what needs it: the lab itself (`step` undefined) or a step. */
export interface Need {
  requirement: Requirement;
  /** Index of the step that needs it; undefined when building the lab does. */
  step?: number;
  /** For the lab's needs: the feature of the scenario that brings it, e.g. `routing: "bgp"`. */
  feature?: string;
}

/**
 * Pure: everything a scenario needs where its hosts run, and what needs each (`captures`: the run
 * takes pcaps; `notRun`: steps the run leaves out, which need nothing).
 */
export function scenarioNeeds(
  spec: LabSpec,
  {
    captures = false,
    notRun = new Map<number, string>(),
  }: { captures?: boolean; notRun?: ReadonlyMap<number, string> } = {},
): Need[] {
  const { topology } = spec;
  const lab = (requirement: Requirement, feature: string): Need => ({ requirement, feature });
  const needs: Need[] = [
    lab(program('ip'), 'every lab'),
    lab(program('sh'), 'every lab'),
    lab(program('nsenter'), 'every lab'),
  ];
  if (captures) needs.push(lab(program('tcpdump'), '--captures'));
  if (topology.routing === 'bgp') needs.push(lab(program('bird'), 'routing: "bgp"'));
  // Swarm's overlay networks are IPv4 here; IPv6 between engines is not proven.
  if (topology.hosts.some((h) => h.address6)) needs.push(lab(capability('ipv6'), 'address6'));
  if (topology.encapsulation !== 'direct')
    needs.push(lab(kernel(topology.encapsulation), `encapsulation: "${topology.encapsulation}"`));
  if (topology.encapsulation === 'vxlan') needs.push(lab(program('bridge'), 'encapsulation: "vxlan"'));
  if (topology.segments.length > 1 && topology.routing !== 'none') {
    needs.push(
      lab(capability('routedSegments'), `${topology.segments.length} segments with routing: "${topology.routing}"`),
    );
  }
  spec.steps.forEach((step, index) => {
    if (notRun.has(index)) return;
    for (const requirement of kindOf(step).needs(step)) needs.push({ requirement, step: index });
  });
  return needs;
}

/** What the backend lacks, per requirement name, in words ("this kernel was built without ..."). */
export async function findMissing(
  backend: Backend,
  requirements: Requirement[],
  progress: Progress,
  lab: string,
): Promise<Map<string, string>> {
  const programs = unique(requirements.flatMap((r) => ('program' in r ? [r.program] : [])));
  const features = unique(requirements.flatMap((r) => ('kernel' in r ? [r.kernel] : [])));
  const capabilities = unique(requirements.flatMap((r) => ('capability' in r ? [r.capability] : [])));
  const missing = new Map<string, string>();
  const { profile } = backend;
  for (const c of capabilities) {
    if (profile.capabilities.includes(c)) continue;
    const able = backendsWith(c).map((name) => `the ${name} backend`);
    missing.set(
      requirementName(capability(c)),
      `the ${profile.name} backend cannot do that${able.length > 0 ? ` (${able.join(' or ')} can)` : ''}`,
    );
  }
  if (programs.length + features.length === 0) return missing;
  // The kernel probes run their own programs; those are checked too.
  const probed = unique([...programs, ...features.map((f) => KERNEL_FEATURES[f].probeNeeds)]);
  const result = await backend.probe(probeScript(probed, features), progress, lab);
  if (result.code !== 0)
    throw new InfraError(`checking what ${profile.name} hosts can run: ${(result.stderr || result.stdout).trim()}`);
  const findings = parseProbe(result.stdout);
  for (const p of findings.missingPrograms) missing.set(p, `not found ${profile.programHome.where}`);
  for (const [feature, reason] of findings.missingKernel) missing.set(feature, reason);
  return missing;
}

/** Per step index, why the step cannot run here; and the lines for what the lab itself cannot have. */
export interface Verdict {
  skips: Map<number, string>;
  fatal: string[];
}

/**
 * Pure: turns what is missing into fatal lines (for the lab, or for steps unless they may be
 * skipped) and skipped steps. A skipped fault takes the steps that observe it along, up to the
 * step that ends it.
 */
export function judgeNeeds(
  spec: LabSpec,
  needs: Need[],
  missing: Map<string, string>,
  profile: Pick<BackendProfile, 'programHome'>,
  skipUnsupported: boolean,
  notRun: ReadonlyMap<number, string> = new Map(),
): Verdict {
  const fatal: string[] = [];
  const skips = new Map(notRun);
  const unmet = needs.filter((n) => missing.has(requirementName(n.requirement)));
  for (const group of groupByWhat(unmet, missing)) {
    // Programs are never skipped: install-deps (or the image) fixes them, and later steps may
    // depend on what a skipped check would have waited for.
    const stepsOnly = group.needs.every((n) => n.step !== undefined) && group.programs.length === 0;
    if (stepsOnly && skipUnsupported) {
      for (const n of group.needs) skips.set(n.step!, `needs ${group.what}: ${group.reason}`);
      continue;
    }
    fatal.push(
      `${spec.scenarioFile} needs ${group.what} for ${describeUsers(group.needs)}: ${group.reason}${fix(group, profile)}`,
    );
  }
  if (fatal.length > 0) return { skips: new Map(notRun), fatal };
  spreadOverEffects(spec, skips);
  return { skips, fatal };
}

interface Group {
  what: string;
  reason: string;
  needs: Need[];
  programs: ProgramName[];
}

/** Programs group by package (one install fixes them all); anything else stands alone. */
function groupByWhat(unmet: Need[], missing: Map<string, string>): Group[] {
  const groups = new Map<string, Group>();
  for (const need of unmet) {
    const r = need.requirement;
    const name = requirementName(r);
    const key = 'program' in r ? `package ${PROGRAMS[r.program].package}` : name;
    const group = groups.get(key) ?? { what: name, reason: missing.get(name)!, needs: [], programs: [] };
    if ('program' in r && !group.programs.includes(r.program)) group.programs.push(r.program);
    group.needs.push(need);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    if (group.programs.length > 0) group.what = `${group.programs.join(', ')} (${key})`;
  }
  return [...groups.values()];
}

function describeUsers(needs: Need[]): string {
  const features = unique(needs.flatMap((n) => (n.feature ? [n.feature] : [])));
  const steps = unique(needs.flatMap((n) => (n.step !== undefined ? [n.step + 1] : []))).sort((a, b) => a - b);
  const stepText = steps.length === 0 ? [] : [`${steps.length === 1 ? 'step' : 'steps'} ${listing(steps.map(String))}`];
  return listing([...features, ...stepText]);
}

function fix(group: Group, profile: Pick<BackendProfile, 'programHome'>): string {
  return group.programs.length > 0 ? `; ${profile.programHome.fix}` : '';
}

/** "a", "a and b", "a, b and c". */
function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** A skipped step that starts a lasting effect (a fault) also skips the steps up to the one that ends it. */
function spreadOverEffects(spec: LabSpec, skips: Map<number, string>): void {
  const open = new Map<string, number>();
  spec.steps.forEach((step, index) => {
    const effect = kindOf(step).effect?.(step);
    if (effect && 'clears' in effect && open.has(effect.clears)) {
      if (!skips.has(index))
        skips.set(index, `step ${open.get(effect.clears)! + 1}, whose effect it ends, was skipped`);
      open.delete(effect.clears);
      return;
    }
    if (open.size > 0 && !skips.has(index)) {
      skips.set(index, `it observes the effect of step ${[...open.values()][0]! + 1}, which was skipped`);
    }
    if (effect && 'sets' in effect && skips.has(index)) open.set(effect.sets, index);
  });
}

/** Pure: segments holding more hosts than the backend can put on one segment. */
export function checkSize(spec: LabSpec, profile: Pick<BackendProfile, 'name' | 'hostsPerSegment'>): string[] {
  const limit = profile.hostsPerSegment;
  if (!limit) return [];
  return spec.topology.segments.flatMap((segment) => {
    const hosts = spec.topology.hosts.filter((h) => h.segment === segment).length;
    if (hosts <= limit.max) return [];
    return [
      `${spec.scenarioFile} puts ${hosts} hosts on segment ${segment.name}: the ${profile.name} backend holds at most ${limit.max} (${limit.why}); spread them over more segments`,
    ];
  });
}

/**
 * Checks every scenario against the backend in one pass; throws with one line per problem. Per
 * scenario, the steps not to run: those `notRun` names already (not selected) and those this
 * machine cannot run, where they may be skipped.
 */
export async function preflight(
  backend: Backend,
  specs: LabSpec[],
  skipUnsupported: boolean,
  progress: Progress,
  options: { captures?: boolean; notRun?: ReadonlyMap<number, string>[]; probe?: boolean } = {},
): Promise<Map<number, string>[]> {
  const notRun = (i: number) => options.notRun?.[i] ?? new Map<number, string>();
  const needs = specs.map((spec, i) => scenarioNeeds(spec, { captures: options.captures ?? false, notRun: notRun(i) }));
  // One probe serves every lab of the session; it is the first lab's, if it is left behind.
  // Without the probe, only what the backend can do is judged (programs and kernel are taken as there).
  const requirements = needs.flat().map((n) => n.requirement);
  const missing = await findMissing(
    backend,
    options.probe === false ? requirements.filter((r) => 'capability' in r) : requirements,
    progress,
    specs[0]!.topology.lab,
  );
  const verdicts = specs.map((spec, i) =>
    judgeNeeds(spec, needs[i]!, missing, backend.profile, skipUnsupported, notRun(i)),
  );
  const fatal = [...specs.flatMap((spec) => checkSize(spec, backend.profile)), ...verdicts.flatMap((v) => v.fatal)];
  if (fatal.length > 0) throw new InfraError(fatal.join('\n'));
  return verdicts.map((v) => v.skips);
}
