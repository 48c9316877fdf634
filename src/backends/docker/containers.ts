import type Docker from 'dockerode';
import type { Host } from '../../topology/topology.js';
import { execCapture } from './exec.js';
import { containerName, LABEL, networkName, routerName } from './labels.js';
import { DOCKER_UPLINK } from './profile.js';

/**
 * Least privilege that lets a host build namespaces, veths and routes and write /proc/sys. Empty
 * masked and read-only path lists are what `--security-opt systempaths=unconfined` means; AppArmor's
 * docker-default profile (Ubuntu) forbids the mounts `ip netns` makes.
 */
const LEAST_PRIVILEGE = {
  CapAdd: ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'],
  SecurityOpt: ['apparmor=unconfined'],
  MaskedPaths: [],
  ReadonlyPaths: [],
};

/**
 * The MAC of a host's uplink: the one Docker derives from its IPv4 address, given explicitly so
 * that every engine uses it (newer ones pick random MACs) and plans can name it before it exists.
 */
export function uplinkMacOf(address: string): string {
  return ['02', '42', ...address.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0'))].join(':');
}

/** The container of a host: on its segment's network at its address, labelled with what `ls` shows. */
export function hostContainerSpec(
  lab: string,
  host: Host,
  image: string,
  labels: Record<string, string>,
  privileged: boolean,
  network = networkName(lab, host.segment.name),
): Docker.ContainerCreateOptions {
  return {
    name: containerName(lab, host.name),
    Hostname: host.name,
    Image: image,
    Cmd: ['sleep', 'infinity'],
    // Engines before API 1.44 read the container's MAC, later ones the endpoint's.
    MacAddress: uplinkMacOf(host.address),
    Labels: {
      ...labels,
      [LABEL.node]: host.name,
      [LABEL.workloads]: host.workloads.map((w) => w.name).join(','),
      [LABEL.uplink]: host.segment.name,
    },
    HostConfig: {
      NetworkMode: network,
      // An init reaps what exits in the container (BIRD after stopBgp, iperf3 servers).
      Init: true,
      ...(privileged ? { Privileged: true } : LEAST_PRIVILEGE),
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [network]: { IPAMConfig: { IPv4Address: host.address }, MacAddress: uplinkMacOf(host.address) },
      },
    },
  };
}

/**
 * The lab's router: a container on the first segment's network at its gateway (the others are
 * connected before it starts), with what it needs to forward and route; no node of the lab.
 */
export function routerContainerSpec(
  lab: string,
  image: string,
  labels: Record<string, string>,
  network: string,
  gateway: string,
): Docker.ContainerCreateOptions {
  return {
    name: routerName(lab),
    Hostname: 'router',
    Image: image,
    Cmd: ['sleep', 'infinity'],
    MacAddress: uplinkMacOf(gateway),
    Labels: labels,
    HostConfig: {
      NetworkMode: network,
      Init: true,
      CapAdd: ['NET_ADMIN'],
      SecurityOpt: LEAST_PRIVILEGE.SecurityOpt,
      MaskedPaths: [],
      ReadonlyPaths: [],
    },
    NetworkingConfig: {
      EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: gateway }, MacAddress: uplinkMacOf(gateway) } },
    },
  };
}

/**
 * Docker removes a container's network endpoint by the interface name it gave it (eth0); under
 * another name dockerd 20.10 leaves a stale endpoint behind and the network can no longer be
 * removed. So the uplink gets its Docker name back before the container goes.
 */
export async function handBackUplink(container: Docker.Container, uplink: string | undefined): Promise<void> {
  if (!uplink || uplink === DOCKER_UPLINK) return;
  const batch = `link set dev ${uplink} down\nlink set dev ${uplink} name ${DOCKER_UPLINK}\n`;
  await execCapture(container, ['ip', '-batch', '-'], { input: batch, uninterruptible: true }).catch(() => {});
}
