import { findNode, type Topology } from '../topology/topology.js';

/** What netem adds to a link's egress: each part optional, as tc takes them. */
export interface Shaping {
  /** Milliseconds, with an optional jitter (milliseconds). */
  delay?: number | undefined;
  jitter?: number | undefined;
  /** Percent of packets dropped. */
  loss?: number | undefined;
  /** A tc rate such as "10mbit". */
  rate?: string | undefined;
}

/** The link traffic shaping acts on: a host's uplink, or the eth0 inside a workload; and where it runs. */
export function shapedLink(topology: Topology, node: string): { node: string; dev: string } {
  const found = findNode(topology, node)!;
  return { node, dev: found.kind === 'host' ? found.host.segment.name : found.workload.interface };
}

/** Puts netem as the link's root qdisc (replacing what was there). */
export function netemArgv(dev: string, { delay, jitter, loss, rate }: Shaping): string[] {
  return [
    ...['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem'],
    ...(delay !== undefined ? ['delay', `${delay}ms`, ...(jitter !== undefined ? [`${jitter}ms`] : [])] : []),
    ...(loss !== undefined ? ['loss', `${loss}%`] : []),
    ...(rate !== undefined ? ['rate', rate] : []),
  ];
}

/**
 * Removes netem from the link. Only a netem is removed: clearing what is not there is a mistake
 * worth failing on. The device is an argument of the script, never part of its text.
 */
export function clearNetemArgv(dev: string): string[] {
  const script =
    'tc qdisc show dev "$1" root | grep -q netem || { echo "no netem on $1 to clear" >&2; exit 1; }; tc qdisc del dev "$1" root';
  return ['sh', '-c', script, 'sh', dev];
}
