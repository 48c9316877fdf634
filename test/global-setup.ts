import { dockerClient, pingDocker } from '../src/backends/docker/client.js';
import { ensureHostImage } from '../src/backends/docker/image.js';

/** Builds the docker backend's host image once, before any test file needs it. */
export default async function setup(): Promise<void> {
  const docker = dockerClient();
  try {
    await pingDocker(docker);
  } catch {
    return;
  }
  await ensureHostImage(docker, (m) => console.log(`[global setup] ${m}`));
}
