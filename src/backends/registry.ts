import { InfraError, UsageError } from '../errors.js';
import type { Backend } from './backend.js';
import { dockerClient, pingDocker } from './docker/client.js';
import { DockerBackend, type DockerBackendOptions } from './docker/docker-backend.js';
import { NetnsBackend } from './netns/netns-backend.js';

export const BACKEND_CHOICES = ['auto', 'netns', 'docker'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** How long `auto` waits for a Docker daemon before settling for netns. */
const AUTO_DOCKER_PING_MS = 1500;

export function createBackend(name: BackendName, options: DockerBackendOptions = {}): Backend {
  return name === 'docker' ? new DockerBackend(options) : new NetnsBackend();
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await pingDocker(dockerClient(), AUTO_DOCKER_PING_MS);
    return true;
  } catch {
    return false;
  }
}

/**
 * The backend to build with, checked: `auto` is docker where a daemon answers (no root needed),
 * else netns (root on Linux).
 */
export async function selectBackend(choice: BackendChoice, options: DockerBackendOptions = {}): Promise<Backend> {
  const name: BackendName = choice !== 'auto' ? choice : (await dockerAnswers()) ? 'docker' : 'netns';
  const backend = createBackend(name, options);
  try {
    await backend.preflight();
  } catch (error) {
    if (choice === 'auto' && error instanceof InfraError) {
      throw new InfraError(`no backend can run here: no Docker daemon answers, and netns says: ${error.message}`);
    }
    throw error;
  }
  return backend;
}

/** The backends to look for existing labs in: the one chosen, or with `auto` every one that works here. */
export async function backendsToSearch(choice: BackendChoice): Promise<Backend[]> {
  if (choice !== 'auto') return [await selectBackend(choice)];
  const usable: Backend[] = [];
  for (const name of ['netns', 'docker'] as const) {
    const backend = createBackend(name);
    if (name === 'docker' ? await dockerAnswers() : await backend.preflight().then(() => true, () => false)) usable.push(backend);
  }
  if (usable.length === 0) throw new InfraError('no backend works here: not root (netns) and no Docker daemon answers');
  return usable;
}

/** The backend holding lab `lab`, for commands that act on a running lab. */
export async function backendOfLab(choice: BackendChoice, lab: string): Promise<Backend> {
  const backends = await backendsToSearch(choice);
  const holding = [];
  for (const backend of backends) if (await backend.exists(lab)) holding.push(backend);
  if (holding.length > 1) {
    throw new UsageError(`lab "${lab}" exists on ${holding.map((b) => b.name).join(' and ')}: choose one with --backend`);
  }
  if (holding.length === 0) {
    throw new UsageError(`no lab named "${lab}" is running (looked on ${backends.map((b) => b.name).join(', ')})`);
  }
  return holding[0]!;
}
