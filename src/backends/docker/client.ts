import Docker from 'dockerode';
import { InfraError } from '../../errors.js';

const PING_TIMEOUT_MS = 3000;

/** Where the Docker API is, as the docker CLI would find it (DOCKER_HOST or the default socket). */
export function dockerEndpoint(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** A client honouring DOCKER_HOST (unix, tcp, ssh), DOCKER_TLS_VERIFY and DOCKER_CERT_PATH. */
export function dockerClient(): Docker {
  return new Docker();
}

/** Resolves when the daemon answers; else throws an InfraError saying what to do, within a few seconds. */
export async function pingDocker(docker: Docker, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (error) {
    throw new InfraError(describeDockerError(error, timeoutMs));
  } finally {
    clearTimeout(timer);
  }
}

function describeDockerError(error: unknown, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = dockerEndpoint();
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `no Docker daemon answers at ${where}: start it (dockerd, or Docker Desktop) or set DOCKER_HOST`;
    case 'EACCES':
      return `permission denied on ${where}: add your user to the docker group (then log in again) or run as root`;
    case 'ETIMEDOUT':
      return `the Docker daemon at ${where} did not answer within ${timeoutMs / 1000} s`;
    default:
      return `cannot reach the Docker daemon at ${where}: ${(error as Error).message}`;
  }
}

/** How long `auto` waits for a Docker daemon before trying the next backend. */
const AUTO_PING_MS = 1500;

/** Whether a Docker daemon answers, quickly. */
export async function dockerAnswers(timeoutMs = AUTO_PING_MS): Promise<boolean> {
  try {
    await pingDocker(dockerClient(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}
