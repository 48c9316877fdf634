import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { runChecked, runProcess } from '../../util/process.js';
import type { Progress } from '../backend.js';
import { mainArchive } from './apt-sources.js';
import { dockerClient, pingDocker } from './client.js';

const IMAGE_DIR = fileURLToPath(new URL('../../../images/host/', import.meta.url));
const IMAGE_REPO = 'testbed-host';
const BASE_IMAGE = 'debian:bookworm-slim';

export type ImageBuildMethod = 'auto' | 'docker' | 'offline';

/** `testbed image build` for the docker backend. */
export const dockerImageBuilder = {
  methods: ['auto', 'docker', 'offline'] as const,
  describe:
    'docker = docker build images/host (needs the base image or a registry); offline = debootstrap from ' +
    "this machine's apt mirror and docker import (root); auto = docker if the base image is here or offline is impossible",
  async build(method: string, progress: Progress): Promise<string> {
    const docker = dockerClient();
    await pingDocker(docker);
    return buildHostImage(docker, method as ImageBuildMethod, progress);
  },
};

function packages(): string[] {
  return readFileSync(join(IMAGE_DIR, 'packages.txt'), 'utf8').split('\n').map((p) => p.trim()).filter(Boolean);
}

/** The host image's reference; its tag hashes the image's sources, so a stale image is never used. */
export function hostImage(): string {
  const hash = createHash('sha256');
  for (const file of ['Dockerfile', 'packages.txt']) hash.update(readFileSync(join(IMAGE_DIR, file)));
  return `${IMAGE_REPO}:${hash.digest('hex').slice(0, 12)}`;
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * An image that can run the firewall helper: this version of the host image, else any older one
 * still here (a lab outlives a change of images/host), else this version, built.
 */
export async function anyHostImage(docker: Docker, progress: Progress): Promise<string> {
  const ref = hostImage();
  if (await imageExists(docker, ref)) return ref;
  const older = await docker.listImages({ filters: { reference: [`${IMAGE_REPO}:*`] } });
  const tag = older.sort((a, b) => b.Created - a.Created).flatMap((i) => i.RepoTags ?? [])[0];
  return tag ?? ensureHostImage(docker, progress);
}

/** The host image, built first if this version of it is missing. */
export async function ensureHostImage(docker: Docker, progress: Progress): Promise<string> {
  const ref = hostImage();
  if (await imageExists(docker, ref)) return ref;
  progress(`host image ${ref} is missing: building it (once)`);
  return buildHostImage(docker, 'auto', progress);
}

/**
 * Builds the host image. `docker` runs `docker build images/host` (needs the base image or a
 * registry); `offline` bootstraps the same packages from the machine's apt mirror and imports the
 * tree (needs root and debootstrap); `auto` takes `docker` when the base image is present or
 * offline building is impossible, else `offline` — so a machine without a registry never tries one.
 */
export async function buildHostImage(docker: Docker, method: ImageBuildMethod, progress: Progress): Promise<string> {
  const ref = hostImage();
  const chosen = method === 'auto' ? ((await imageExists(docker, BASE_IMAGE)) || !(await canBuildOffline()) ? 'docker' : 'offline') : method;
  const started = performance.now();
  if (chosen === 'docker') await dockerBuild(docker, ref, progress);
  else await offlineBuild(docker, ref, progress);
  progress(`built ${ref} (${chosen}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return ref;
}

async function canBuildOffline(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return (await runProcess('debootstrap', ['--version']).catch(() => ({ code: 1 }))).code === 0;
}

async function dockerBuild(docker: Docker, ref: string, progress: Progress): Promise<void> {
  progress(`docker build ${IMAGE_DIR} (from ${BASE_IMAGE})`);
  const stream = await docker.buildImage({ context: IMAGE_DIR, src: ['Dockerfile', 'packages.txt'] }, { t: ref });
  const output = await follow(docker, stream, (event) => {
    if (typeof event.stream === 'string' && event.stream.startsWith('Step ')) progress(event.stream.trim());
  });
  const failed = output.find((e) => e.error);
  if (failed) throw new InfraError(`building the host image failed: ${String(failed.error).trim()} (try: testbed image build --method offline)`);
}

async function offlineBuild(docker: Docker, ref: string, progress: Progress): Promise<void> {
  if (process.getuid?.() !== 0) throw new InfraError('building the host image offline needs root (debootstrap)');
  const archive = mainArchive(aptSourceFiles());
  if (!archive) throw new InfraError('no Debian/Ubuntu archive found in /etc/apt/sources.list*; cannot build the host image offline');
  const rootfs = mkdtempSync(join(tmpdir(), 'testbed-rootfs-'));
  try {
    progress(`debootstrap ${archive.suite} from ${archive.uri} with ${packages().join(', ')} (about a minute)`);
    await runChecked('building the host image with debootstrap', 'debootstrap', [
      '--variant=minbase',
      `--include=${packages().join(',')}`,
      `--components=${archive.components.join(',') || 'main'}`,
      archive.suite,
      rootfs,
      archive.uri,
    ]);
    for (const bulk of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale']) {
      rmSync(join(rootfs, bulk), { recursive: true, force: true });
    }
    progress('importing the tree into Docker');
    const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = ref.split(':');
    const stream = await docker.importImage(tar.stdout, { repo, tag });
    const output = await follow(docker, stream, () => {});
    const failed = output.find((e) => e.error);
    if (failed) throw new InfraError(`importing the host image failed: ${String(failed.error)}`);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

function aptSourceFiles(): { name: string; text: string }[] {
  const files = ['/etc/apt/sources.list'];
  try {
    const apt = readdirSync('/etc/apt/sources.list.d').filter((f) => f.endsWith('.list') || f.endsWith('.sources'));
    files.push(...apt.sort().map((f) => `/etc/apt/sources.list.d/${f}`));
  } catch {
    // no sources.list.d
  }
  return files.flatMap((name) => {
    try {
      return [{ name, text: readFileSync(name, 'utf8') }];
    } catch {
      return [];
    }
  });
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: unknown;
}

function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: ProgressEvent[]) => (error ? reject(error) : resolve(output)), onEvent);
  });
}
