import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { runChecked, runProcess } from '../../util/process.js';
import type { Progress } from '../backend.js';
import { mainArchive } from './apt-sources.js';

const BASE_IMAGE = 'debian:bookworm-slim';

export type ImageBuildMethod = 'auto' | 'docker' | 'offline';

/**
 * An image testbed builds from a folder of images/: a Dockerfile, a packages.txt, and files the
 * offline build copies in. Its tag hashes those files, so a stale image is never used.
 */
export interface ImageRecipe {
  /** What it is, for messages: "host image". */
  title: string;
  repo: string;
  folder: string;
  /** Copied into the tree by the offline build (the Dockerfile COPYs the same), with the command it runs. */
  extras?: { file: string; to: string }[];
  cmd?: string[];
  /** The command that builds it ahead of use, for messages: `testbed image build`; whether it takes `--method`. */
  command: { name: string; takesMethod: boolean };
}

const folderOf = (recipe: ImageRecipe) => fileURLToPath(new URL(`../../../images/${recipe.folder}/`, import.meta.url));
const contextFiles = (recipe: ImageRecipe) => [
  'Dockerfile',
  'packages.txt',
  ...(recipe.extras ?? []).map((e) => e.file),
];

function packages(recipe: ImageRecipe): string[] {
  return readFileSync(join(folderOf(recipe), 'packages.txt'), 'utf8')
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The image's reference: repo and a hash of its sources. */
export function imageRef(recipe: ImageRecipe): string {
  const hash = createHash('sha256');
  for (const file of contextFiles(recipe)) hash.update(readFileSync(join(folderOf(recipe), file)));
  return `${recipe.repo}:${hash.digest('hex').slice(0, 12)}`;
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The image, built first if this version of it is missing. */
export async function ensureImage(docker: Docker, recipe: ImageRecipe, progress: Progress): Promise<string> {
  const ref = imageRef(recipe);
  if (await imageExists(docker, ref)) return ref;
  progress(`${recipe.title} ${ref} is missing: building it (once)`);
  return buildImage(docker, recipe, 'auto', progress);
}

/**
 * Builds an image. `docker` runs `docker build images/<folder>` (needs the base image or a
 * registry); `offline` bootstraps the same packages from the machine's apt mirror and imports the
 * tree (needs root and debootstrap); `auto` takes `docker` when the base image is present or
 * offline building is impossible, else `offline` — so a machine without a registry never tries one.
 */
export async function buildImage(
  docker: Docker,
  recipe: ImageRecipe,
  method: ImageBuildMethod,
  progress: Progress,
): Promise<string> {
  const ref = imageRef(recipe);
  const chosen =
    method === 'auto'
      ? (await imageExists(docker, BASE_IMAGE)) || !(await canBuildOffline())
        ? 'docker'
        : 'offline'
      : method;
  const started = performance.now();
  if (chosen === 'docker') await dockerBuild(docker, recipe, ref, progress);
  else await offlineBuild(docker, recipe, ref, progress);
  progress(`built ${ref} (${chosen}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return ref;
}

async function canBuildOffline(): Promise<boolean> {
  const here = await buildAbilities();
  return here.root && here.debootstrap;
}

/** What this process may use to build an image offline: root, and debootstrap. */
async function buildAbilities(): Promise<{ root: boolean; debootstrap: boolean }> {
  const root = process.getuid?.() === 0;
  if (!root) return { root, debootstrap: false };
  return { root, debootstrap: (await runProcess('debootstrap', ['--version']).catch(() => ({ code: 1 }))).code === 0 };
}

/**
 * What to do where building an image failed (`docker`) or cannot run here (`offline`): what the
 * build needs, and the way around for this user. The Dockerfile build needs a registry (its base
 * image) and works as any user of the Docker daemon; the offline build needs root and debootstrap.
 * Pure, so that its cases have unit tests.
 */
export function imageBuildAdvice(
  recipe: Pick<ImageRecipe, 'title' | 'command'>,
  method: 'docker' | 'offline',
  here: { root: boolean; debootstrap: boolean },
): string | undefined {
  const { name, takesMethod } = recipe.command;
  const as = (m: 'docker' | 'offline') => (takesMethod ? `${name} --method ${m}` : name);
  const offline = `without one the ${recipe.title} is built offline with debootstrap`;
  if (!here.root)
    return method === 'offline'
      ? `run sudo ${as('offline')}, or, where a registry is reachable, ${as('docker')} (the Dockerfile build needs no root)`
      : `the Dockerfile build pulls ${BASE_IMAGE} from a registry; ${offline}, which needs root: run sudo ${name} once`;
  if (!here.debootstrap)
    return `the Dockerfile build pulls ${BASE_IMAGE} from a registry; ${offline}: install it (sh scripts/install-deps.sh --docker), then run ${as('offline')}`;
  return method === 'docker' && takesMethod ? `try: ${as('offline')}` : undefined;
}

/** A failed build's message, with what to do about it here. */
async function buildFailure(recipe: ImageRecipe, method: 'docker' | 'offline', what: string): Promise<InfraError> {
  const advice = imageBuildAdvice(recipe, method, await buildAbilities());
  return new InfraError(advice ? `${what}; ${advice}` : what);
}

async function dockerBuild(docker: Docker, recipe: ImageRecipe, ref: string, progress: Progress): Promise<void> {
  progress(`docker build ${folderOf(recipe)} (from ${BASE_IMAGE})`);
  const stream = await docker.buildImage({ context: folderOf(recipe), src: contextFiles(recipe) }, { t: ref });
  const output = await follow(docker, stream, (event) => {
    if (typeof event.stream === 'string' && event.stream.startsWith('Step ')) progress(event.stream.trim());
  });
  const failed = output.find((e) => e.error);
  if (failed)
    throw await buildFailure(recipe, 'docker', `building the ${recipe.title} failed: ${String(failed.error).trim()}`);
}

async function offlineBuild(docker: Docker, recipe: ImageRecipe, ref: string, progress: Progress): Promise<void> {
  if (process.getuid?.() !== 0)
    throw await buildFailure(recipe, 'offline', `building the ${recipe.title} offline needs root (debootstrap)`);
  const archive = mainArchive(aptSourceFiles());
  if (!archive)
    throw new InfraError(
      `no Debian/Ubuntu archive found in /etc/apt/sources.list*; cannot build the ${recipe.title} offline`,
    );
  const rootfs = mkdtempSync(join(tmpdir(), 'testbed-rootfs-'));
  try {
    progress(`debootstrap ${archive.suite} from ${archive.uri} with ${packages(recipe).join(', ')} (a minute or two)`);
    await runChecked(`building the ${recipe.title} with debootstrap`, 'debootstrap', [
      '--variant=minbase',
      `--include=${packages(recipe).join(',')}`,
      `--components=${archive.components.join(',') || 'main'}`,
      archive.suite,
      rootfs,
      archive.uri,
    ]);
    for (const bulk of [
      'var/cache/apt/archives',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
      'usr/share/locale',
    ]) {
      rmSync(join(rootfs, bulk), { recursive: true, force: true });
    }
    for (const extra of recipe.extras ?? []) {
      const target = join(rootfs, extra.to);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(folderOf(recipe), extra.file), target);
      chmodSync(target, 0o755);
    }
    progress('importing the tree into Docker');
    const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = ref.split(':');
    const changes = recipe.cmd ? { changes: [`CMD ${JSON.stringify(recipe.cmd)}`] } : {};
    const stream = await docker.importImage(tar.stdout, { repo, tag, ...changes });
    const output = await follow(docker, stream, () => {});
    const failed = output.find((e) => e.error);
    if (failed) throw new InfraError(`importing the ${recipe.title} failed: ${String(failed.error)}`);
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

function follow(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (e: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: ProgressEvent[]) => (error ? reject(error) : resolve(output)),
      onEvent,
    );
  });
}
