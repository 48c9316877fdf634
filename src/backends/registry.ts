import { InfraError, UsageError } from '../errors.js';
import type { BackendCapability } from '../requirements/requirement.js';
import type { Backend, BackendFlag, BackendProfile, Progress } from './backend.js';
import { dockerAnswers } from './docker/client.js';
import { DockerBackend } from './docker/docker-backend.js';
import { dockerImageBuilder } from './docker/image.js';
import { dockerProfile } from './docker/profile.js';
import { NetnsBackend } from './netns/netns-backend.js';
import { netnsProfile } from './netns/profile.js';

interface Entry {
  profile: BackendProfile;
  create(): Backend;
  /** Whether `auto` may pick it: answers quickly, without building anything. */
  available(): Promise<boolean>;
  /** Backends whose hosts run from an image: how `testbed image build` builds it. */
  image?: ImageBuilder;
}

export interface ImageBuilder {
  methods: readonly string[];
  describe: string;
  build(method: string, progress: Progress): Promise<string>;
}

/** Every backend, in the order `auto` tries them; adding one is one folder and one entry here. */
const BACKENDS = {
  docker: { profile: dockerProfile, create: () => new DockerBackend(), available: () => dockerAnswers(), image: dockerImageBuilder },
  netns: { profile: netnsProfile, create: () => new NetnsBackend(), available: () => new NetnsBackend().preflight().then(() => true, () => false) },
} satisfies Record<string, Entry>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = BackendName | 'auto';

/** Whose plan `testbed plan` prints by default: the one that reads like the seed, every namespace named. */
export const PLAN_BACKEND: BackendName = 'netns';

export const profileOf = (name: BackendName): BackendProfile => BACKENDS[name].profile;
export const createBackend = (name: BackendName): Backend => BACKENDS[name].create();

/** The backends that can do `capability`, for messages that say where a scenario would run. */
export function backendsWith(capability: BackendCapability): string[] {
  return BACKEND_NAMES.filter((name) => BACKENDS[name].profile.capabilities.includes(capability));
}

/** What `--backend auto` means, for --help. */
export const AUTO_DESCRIPTION = `the first that works here of ${BACKEND_NAMES.join(', ')}`;

/** The backend to build with, checked: `auto` takes the first backend that works here. */
export async function selectBackend(choice: BackendChoice): Promise<Backend> {
  if (choice === 'auto') {
    for (const name of BACKEND_NAMES) if (await BACKENDS[name].available()) return BACKENDS[name].create();
    throw new InfraError(`no backend can run here: ${await whyNone()}`);
  }
  const backend = createBackend(choice);
  await backend.preflight();
  return backend;
}

async function whyNone(): Promise<string> {
  const reasons = await Promise.all(
    BACKEND_NAMES.map((name) => createBackend(name).preflight().then(() => `${name} works`, (error: Error) => `${name}: ${error.message}`)),
  );
  return reasons.join('; ');
}

/** The backends to look for existing labs in: the one chosen, or with `auto` every one that works here. */
export async function backendsToSearch(choice: BackendChoice): Promise<Backend[]> {
  if (choice !== 'auto') return [await selectBackend(choice)];
  const usable: Backend[] = [];
  for (const name of BACKEND_NAMES) if (await BACKENDS[name].available()) usable.push(BACKENDS[name].create());
  if (usable.length === 0) throw new InfraError(`no backend works here: ${await whyNone()}`);
  return usable;
}

/** The backend holding lab `lab`, for commands that act on a running lab. */
export async function backendOfLab(choice: BackendChoice, lab: string): Promise<Backend> {
  const backends = await backendsToSearch(choice);
  const holding = [];
  for (const backend of backends) if (await backend.exists(lab)) holding.push(backend);
  if (holding.length > 1) {
    throw new UsageError(`lab "${lab}" exists on ${holding.map((b) => b.profile.name).join(' and ')}: choose one with --backend`);
  }
  if (holding.length === 0) {
    throw new UsageError(`no lab named "${lab}" is running (looked on ${backends.map((b) => b.profile.name).join(', ')})`);
  }
  return holding[0]!;
}

/** The backends that build their hosts from an image, and how. */
export function imageBuilders(): { name: BackendName; builder: ImageBuilder }[] {
  return BACKEND_NAMES.flatMap((name) => {
    const entry: Entry = BACKENDS[name];
    return entry.image ? [{ name, builder: entry.image }] : [];
  });
}

/** Every backend's command-line flags, for the commands that build labs. */
export function backendFlags(): Record<string, BackendFlag> {
  return Object.assign({}, ...BACKEND_NAMES.map((name) => BACKENDS[name].profile.flags));
}

/** A line per backend, for --help. */
export function describeBackends(): string {
  return BACKEND_NAMES.map((name) => `${name} = ${BACKENDS[name].profile.description}`).join('; ');
}
