import { InfraError, UsageError } from '../errors.js';
import type { BackendCapability } from '../requirements/requirement.js';
import type { Backend, BackendFlag, BackendProfile, Progress } from './backend.js';
import { dockerAnswers } from './docker/client.js';
import { DockerBackend } from './docker/docker-backend.js';
import { dockerImageBuilder } from './docker/image.js';
import { dockerProfile } from './docker/profile.js';
import { NetnsBackend } from './netns/netns-backend.js';
import { netnsProfile } from './netns/profile.js';
import { enginesConfigured } from './swarm/engines.js';
import { machineSimulator } from './swarm/machines.js';
import { swarmProfile } from './swarm/profile.js';
import { SwarmBackend } from './swarm/swarm-backend.js';

/** Values of the backends' command-line flags (swarm's --engine), for the runtimes that read them. */
export type BackendSettings = Record<string, unknown>;

interface Entry {
  profile: BackendProfile;
  create(settings: BackendSettings): Backend;
  /** Whether it works here, answered quickly without building anything. */
  available(settings: BackendSettings): Promise<boolean>;
  /** Whether `--backend auto` may build on it (a lab spread over engines is never a guess). */
  auto: boolean;
  /** Backends whose hosts run from an image: how `testbed image build` builds it. */
  image?: ImageBuilder;
  /** Backends that can run on simulated machines: how `testbed machines` makes them. */
  machines?: MachineSimulator;
}

export interface ImageBuilder {
  methods: readonly string[];
  describe: string;
  build(method: string, progress: Progress): Promise<string>;
}

export interface MachineSimulator {
  describe: string;
  up(count: number, progress: Progress): Promise<{ name: string; urls: string[] }[]>;
  down(progress: Progress): Promise<number>;
  list(): Promise<{ name: string; state: string; urls: string[] }[]>;
  /** How to point the backend at the machines, e.g. `export TESTBED_ENGINES="…"`. */
  hint(machines: { urls: string[] }[]): string;
}

/** Every backend, in the order `auto` tries them; adding one is one folder and one entry here. */
const BACKENDS = {
  docker: {
    profile: dockerProfile,
    create: () => new DockerBackend(),
    available: () => dockerAnswers(),
    auto: true,
    image: dockerImageBuilder,
  },
  netns: {
    profile: netnsProfile,
    create: () => new NetnsBackend(),
    available: () =>
      new NetnsBackend().preflight().then(
        () => true,
        () => false,
      ),
    auto: true,
  },
  swarm: {
    profile: swarmProfile,
    create: (settings: BackendSettings) => new SwarmBackend(settings),
    available: async (settings: BackendSettings) =>
      enginesConfigured(settings.engine) &&
      new SwarmBackend(settings).preflight().then(
        () => true,
        () => false,
      ),
    auto: false,
    machines: machineSimulator,
  },
} satisfies Record<string, Entry>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = BackendName | 'auto';
/** The backends `auto` tries, in order: those that build a lab on this one machine. */
export const AUTO_BACKEND_NAMES = BACKEND_NAMES.filter((name) => BACKENDS[name].auto);

/** Whose plan `testbed plan` prints by default: the one that reads like the seed, every namespace named. */
export const PLAN_BACKEND: BackendName = 'netns';

export const profileOf = (name: BackendName): BackendProfile => BACKENDS[name].profile;
export const createBackend = (name: BackendName, settings: BackendSettings = {}): Backend =>
  BACKENDS[name].create(settings);

/** The backends that can do `capability`, for messages that say where a scenario would run. */
export function backendsWith(capability: BackendCapability): string[] {
  return BACKEND_NAMES.filter((name) => BACKENDS[name].profile.capabilities.includes(capability));
}

/** What `--backend auto` means when a lab is built, for --help. */
export const AUTO_DESCRIPTION = `the first that works here, in the order ${AUTO_BACKEND_NAMES.join(', ')}`;

/** The backend to build with, checked: `auto` takes the first of the auto backends that works here. */
export async function selectBackend(choice: BackendChoice, settings: BackendSettings = {}): Promise<Backend> {
  if (choice === 'auto') {
    for (const name of AUTO_BACKEND_NAMES)
      if (await BACKENDS[name].available(settings)) return BACKENDS[name].create(settings);
    throw new InfraError(`no backend can run here: ${await whyNone(AUTO_BACKEND_NAMES, settings)}`);
  }
  const backend = createBackend(choice, settings);
  await backend.preflight();
  return backend;
}

/** Why backend `name` cannot work here: its preflight's reason; undefined where it works. */
export async function backendProblem(name: BackendName, settings: BackendSettings = {}): Promise<string | undefined> {
  try {
    await createBackend(name, settings).preflight();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function whyNone(names: BackendName[], settings: BackendSettings): Promise<string> {
  const reasons = await Promise.all(
    names.map(async (name) => {
      const problem = await backendProblem(name, settings);
      return problem === undefined ? `${name} works` : `${name}: ${problem}`;
    }),
  );
  return reasons.join('; ');
}

/** The backends to look for existing labs in: the one chosen, or with `auto` every one that works here. */
export async function backendsToSearch(choice: BackendChoice, settings: BackendSettings = {}): Promise<Backend[]> {
  if (choice !== 'auto') return [await selectBackend(choice, settings)];
  const usable: Backend[] = [];
  for (const name of BACKEND_NAMES)
    if (await BACKENDS[name].available(settings)) usable.push(BACKENDS[name].create(settings));
  if (usable.length === 0)
    throw new InfraError(`no backend works here: ${await whyNone(AUTO_BACKEND_NAMES, settings)}`);
  return usable;
}

/** The backend holding lab `lab`, for commands that act on a running lab. */
export async function backendOfLab(
  choice: BackendChoice,
  lab: string,
  settings: BackendSettings = {},
): Promise<Backend> {
  const backends = await backendsToSearch(choice, settings);
  const holding = [];
  for (const backend of backends) if (await backend.exists(lab)) holding.push(backend);
  if (holding.length > 1) {
    throw new UsageError(
      `lab "${lab}" exists on ${holding.map((b) => b.profile.name).join(' and ')}: choose one with --backend`,
    );
  }
  if (holding.length === 0) {
    throw new UsageError(
      `no lab named "${lab}" is running (looked on ${backends.map((b) => b.profile.name).join(', ')})`,
    );
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

/** The backends that run on simulated machines, and how those are made. */
export function machineSimulators(): { name: BackendName; simulator: MachineSimulator }[] {
  return BACKEND_NAMES.flatMap((name) => {
    const entry: Entry = BACKENDS[name];
    return entry.machines ? [{ name, simulator: entry.machines }] : [];
  });
}

/** Every backend's command-line flags, for the commands that build or find labs. */
export function backendFlags(): Record<string, BackendFlag> {
  return Object.fromEntries(BACKEND_NAMES.flatMap((name) => Object.entries(BACKENDS[name].profile.flags)));
}

/** A line per backend, for --help. */
export function describeBackends(): string {
  return BACKEND_NAMES.map((name) => `${name} = ${BACKENDS[name].profile.description}`).join('; ');
}
