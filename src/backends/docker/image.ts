import type Docker from 'dockerode';
import type { Progress } from '../backend.js';
import { dockerClient, pingDocker } from './client.js';
import {
  buildImage,
  ensureImage,
  imageExists,
  imageRef,
  type ImageBuildMethod,
  type ImageRecipe,
} from './image-build.js';

/** The simulated host: Debian with the network tools testbed drives inside it (images/host). */
export const HOST_IMAGE: ImageRecipe = {
  title: 'host image',
  repo: 'testbed-host',
  folder: 'host',
  command: { name: 'testbed image build', takesMethod: true },
};

export const hostImage = (): string => imageRef(HOST_IMAGE);
export const ensureHostImage = (docker: Docker, progress: Progress): Promise<string> =>
  ensureImage(docker, HOST_IMAGE, progress);

/** `testbed image build` for the docker backend. */
export const dockerImageBuilder = {
  methods: ['auto', 'docker', 'offline'] as const,
  describe:
    'docker = docker build images/host (needs the base image or a registry); offline = debootstrap from ' +
    "this machine's apt mirror and docker import (root); auto = docker if the base image is here or offline is impossible",
  async build(method: string, progress: Progress): Promise<string> {
    const docker = dockerClient();
    await pingDocker(docker);
    return buildImage(docker, HOST_IMAGE, method as ImageBuildMethod, progress);
  },
};

/**
 * An image that can run the firewall helper: this version of the host image, else any older one
 * still here (a lab outlives a change of images/host), else this version, built.
 */
export async function anyHostImage(docker: Docker, progress: Progress): Promise<string> {
  const ref = hostImage();
  if (await imageExists(docker, ref)) return ref;
  const older = await docker.listImages({ filters: { reference: [`${HOST_IMAGE.repo}:*`] } });
  const tag = older.sort((a, b) => b.Created - a.Created).flatMap((i) => i.RepoTags ?? [])[0];
  return tag ?? ensureHostImage(docker, progress);
}
