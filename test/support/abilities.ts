import { existsSync } from 'node:fs';
import type { SuiteOptions } from 'vitest';
import { dockerClient, pingDocker } from '../../src/backends/docker/client.js';
import { imageExists, imageRef } from '../../src/backends/docker/image-build.js';
import { AUTO_BACKEND_NAMES, type BackendName } from '../../src/backends/registry.js';
import { MACHINE_IMAGE } from '../../src/backends/swarm/machines.js';
import { PROGRAMS, type ProgramName } from '../../src/requirements/programs.js';
import { runProcess } from '../../src/util/process.js';
import { parseRequired, verdict, type Ability } from './gating.js';
import { LAB_LOCKS } from './task-meta.js';

/**
 * The shared gate of every test that needs more than Node: `describe(name, await needs('docker'), …)`.
 * Where the machine has what the group needs, it runs (marked with the backends whose labs it
 * builds, for the locks that keep such tests of different files apart); where `TESTBED_REQUIRE` names a missing
 * ability, the file fails at once with the reason; otherwise the group is skipped, its reason
 * kept as the suite's note, which the run's last line lists (test/support/skip-summary.ts).
 */
export async function needs(...abilities: Ability[]): Promise<SuiteOptions> {
  const missing = new Map<Ability, string>();
  for (const ability of new Set(abilities)) {
    const reason = await missingReason(ability);
    if (reason !== undefined) missing.set(ability, reason);
  }
  const result = verdict(abilities, missing, REQUIRED);
  if (result.run) {
    const locks = LAB_LOCKS.filter((lock) => abilities.includes(lock));
    return locks.length > 0 ? { meta: { locks } } : {};
  }
  if ('fail' in result) throw new Error(result.fail);
  return { skip: true, meta: { skipNote: result.skip } };
}

/**
 * A group that must see no other test's lab commands while it runs (it watches what the next
 * command reaps): it holds the lock of every backend.
 */
export function alone(gate: SuiteOptions): SuiteOptions {
  return gate.skip ? gate : { ...gate, meta: { ...gate.meta, locks: [...LAB_LOCKS] } };
}

/** Whether the machine has an ability; for a test that picks between two variants, never to skip silently. */
export async function has(ability: Ability): Promise<boolean> {
  return (await missingReason(ability)) === undefined;
}

/** Read once per test process, so that a typo in it fails every file that gates. */
const REQUIRED = parseRequired(process.env.TESTBED_REQUIRE);

/** The backends the suite builds labs on: every one `auto` may choose (swarm has its own test, with simulated machines). */
export const LOCAL_BACKENDS: readonly BackendName[] = AUTO_BACKEND_NAMES;

/** The ability a backend's labs need: a backend is an ability of the same name. */
export const abilityOf = (backend: BackendName): Ability => backend;

export const isRoot = process.getuid?.() === 0;

/** Debian's Chromium (install-deps.sh --browser), or the Chrome GitHub's runners have. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/chromium-browser'];

const cache = new Map<Ability, Promise<string | undefined>>();

function missingReason(ability: Ability): Promise<string | undefined> {
  let reason = cache.get(ability);
  if (!reason) {
    reason = CHECKS[ability]();
    cache.set(ability, reason);
  }
  return reason;
}

/** Each ability's check: undefined where the machine has it, else why not, in words. */
const CHECKS: Record<Ability, () => Promise<string | undefined>> = {
  netns: async () => {
    if (!isRoot) return 'not root';
    const programs = (Object.keys(PROGRAMS) as ProgramName[]).filter(
      (p) => 'machine' in PROGRAMS[p] && !p.startsWith('bird'),
    );
    return missingPrograms(programs);
  },
  bird: () => missingPrograms(['bird', 'birdc']),
  docker: async () => {
    try {
      await pingDocker(dockerClient());
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  },
  swarm: async () => {
    const docker = await missingReason('docker');
    if (docker) return docker;
    if (await imageExists(dockerClient(), imageRef(MACHINE_IMAGE))) return undefined;
    if (!isRoot) return 'the machine image is missing, and building it needs root';
    return missingPrograms(['debootstrap']).then(
      (m) => m && `the machine image is missing, and building it needs ${m}`,
    );
  },
  browser: async () =>
    CHROMIUM_PATHS.some((path) => existsSync(path)) ? undefined : `no browser at ${CHROMIUM_PATHS.join(', ')}`,
};

async function missingPrograms(programs: string[]): Promise<string | undefined> {
  const found = await Promise.all(
    programs.map(async (p) => (await runProcess('sh', ['-c', 'command -v "$1"', 'sh', p])).code === 0),
  );
  const missing = programs.filter((_, i) => !found[i]);
  return missing.length === 0 ? undefined : `no ${missing.join(', ')} in PATH`;
}

/** What a backend's labs need to run BIRD: the netns backend runs the machine's own; other backends' hosts have their image's. */
export const withBird = (backend: BackendName): Ability[] =>
  backend === 'netns' ? ['netns', 'bird'] : [abilityOf(backend)];
