import { createHash } from 'node:crypto';
import type Docker from 'dockerode';

/** Labels on every container and network of a lab: `down` and `ls` find labs by them, no state file. */
export const LABEL = {
  lab: 'testbed.lab',
  node: 'testbed.node',
  workloads: 'testbed.workloads',
  uplink: 'testbed.uplink',
  scenario: 'testbed.scenario',
  created: 'testbed.created',
  /** The process that removes the lab when done (`pid:starttime`); none for `up`. */
  owner: 'testbed.owner',
  /** Which backend made it: one engine may hold labs of docker and of swarm. */
  backend: 'testbed.backend',
  /** On a never-started marker container: the lab's build finished. */
  ready: 'testbed.ready',
  /** On a short-lived container (a probe): the process that runs it and removes it (`pid:starttime`). */
  probe: 'testbed.probe',
} as const;

/** Docker API label filters for what a backend made: all its labs, or one lab. */
export function labFilter(backend: string, lab?: string): { label: string[] } {
  return { label: [lab === undefined ? LABEL.lab : `${LABEL.lab}=${lab}`, `${LABEL.backend}=${backend}`] };
}

/** A never-started container that says a lab is complete (its labels cannot change later). */
export function readyMarker(image: string, labels: Record<string, string>): Docker.ContainerCreateOptions {
  return {
    Image: image,
    Cmd: ['true'],
    Labels: { ...labels, [LABEL.ready]: 'true' },
    HostConfig: { NetworkMode: 'none' },
  };
}

/**
 * `<lab>.<host>` and `<lab>.<segment>`: lab names hold no dot, so the first dot separates the two
 * and no two labs' names meet (with "-", lab a-b's host c and lab a's host b-c would).
 */
export const containerName = (lab: string, host: string) => `${lab}.${host}`;
export const networkName = (lab: string, segment: string) => `${lab}.${segment}`;
/** The lab's claim on its name: a container never started; host names start with a letter, so no host is "_claim". */
export const claimName = (lab: string) => `${lab}._claim`;
/** The lab's router between its segments: like the claim, a name no host can have. */
export const routerName = (lab: string) => `${lab}._router`;
/** Set explicitly (not br-<id>) so the bridge's name is known before Docker answers. */
export const bridgeName = (lab: string, segment: string) =>
  `tb-${createHash('sha1').update(`${lab}/${segment}`).digest('hex').slice(0, 12)}`;

/** Host containers carry their node's name; the claim does not. */
export const isHost = (c: Docker.ContainerInfo) => c.Labels[LABEL.node] !== undefined;

/** The workloads a host container runs, from its label. */
export const workloadsOf = (c: Docker.ContainerInfo) => (c.Labels[LABEL.workloads] ?? '').split(',').filter(Boolean);

/** A Docker API error's message without the "(HTTP code 409) unexpected - " prefix. */
export function dockerMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}
