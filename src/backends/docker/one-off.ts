import type Docker from 'dockerode';
import { currentOwner } from '../../util/owner.js';
import { LABEL } from './labels.js';

export interface OneOff {
  image: string;
  script: string;
  /** Values the script reads as environment variables: data, never part of the script's text. */
  env?: Record<string, string>;
  /** `host`: the Docker host's own network namespace; `none`: a fresh one holding only lo. */
  network: 'host' | 'none';
  capabilities: string[];
  labels: Record<string, string>;
}

/**
 * The labels of a short-lived container that serves a lab: the lab's (so that `down` and reaping
 * find it) and the process that runs it, which `ls` and the reaper judge it by.
 */
export function probeLabels(backend: string, lab: string): Record<string, string> {
  return { [LABEL.lab]: lab, [LABEL.backend]: backend, [LABEL.probe]: currentOwner() ?? 'unknown' };
}

/** Runs a shell script in a short-lived container and removes it; resolves to its exit code and output. */
export async function runOneOff(docker: Docker, job: OneOff): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({
    Image: job.image,
    Cmd: ['sh', '-c', job.script],
    Env: Object.entries(job.env ?? {}).map(([k, v]) => `${k}=${v}`),
    // A TTY keeps the log a plain stream (no stdout/stderr frames to demultiplex).
    Tty: true,
    Labels: job.labels,
    HostConfig: { NetworkMode: job.network, CapAdd: job.capabilities },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true });
    return { code: StatusCode, output: logs.toString() };
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
