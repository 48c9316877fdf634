import { basename } from 'node:path';
import type { Backend, LabSummary, Progress } from '../backends/backend.js';
import { backendOfLab, backendsToSearch, type BackendChoice, type BackendSettings } from '../backends/registry.js';
import { UsageError } from '../errors.js';
import { reapOrphans } from './reap.js';
import type { LabSpec } from './spec.js';

/**
 * `testbed check`: the backend the labs run on, each lab whole and left running by `up`. Labs
 * whose run is gone are reaped first, so a lab about to vanish is never checked.
 */
export async function attachTo(
  choice: BackendChoice,
  settings: BackendSettings,
  specs: LabSpec[],
  progress: Progress,
): Promise<Backend> {
  await reapOrphans(await backendsToSearch(choice, settings), progress);
  const backends = [];
  for (const spec of specs) {
    const backend = await backendOfLab(choice, spec.topology.lab, settings);
    await checkAttachable(backend, [spec], progress);
    backends.push(backend);
  }
  const names = new Set(backends.map((b) => b.profile.name));
  if (names.size > 1)
    throw new UsageError(`the labs run on different backends (${[...names].join(', ')}): check them one by one`);
  return backends[0]!;
}

/** Throws where a lab is not there to check, whole and left running by `up`. */
export async function checkAttachable(backend: Backend, specs: LabSpec[], progress: Progress): Promise<void> {
  const labs = await backend.list();
  for (const spec of specs) {
    const summary = labs.find((l) => l.lab === spec.topology.lab);
    const unfit = summary
      ? whyNotCheckable(summary)
      : `no lab named "${spec.topology.lab}" is running on ${backend.profile.name}`;
    if (unfit) throw new UsageError(unfit);
    const built = summary!.scenario;
    // The lab was built from another file: a variant of a scenario may well check it, but say so.
    if (built && !basename(spec.scenarioFile).startsWith(built))
      progress(`lab ${spec.topology.lab} was built from ${built}; checking it against ${spec.scenarioFile}`);
  }
}

/** Pure: why a lab cannot be checked as it is, or nothing when it can. */
export function whyNotCheckable(lab: Pick<LabSummary, 'lab' | 'state' | 'owner'>): string | undefined {
  if (lab.state === 'complete' && lab.owner === undefined) return undefined;
  if (lab.state === 'complete' || lab.state === 'building')
    return `lab ${lab.lab} belongs to a testbed run in progress (pid ${lab.owner?.split(':')[0]}): check runs against labs that testbed up left running`;
  if (lab.state === 'partial')
    return `lab ${lab.lab} is partial: the up that built it stopped before it was ready; remove it with testbed down ${lab.lab} and build it again`;
  return `lab ${lab.lab} is orphaned: the run that made it is gone, and the next testbed command removes it`;
}
