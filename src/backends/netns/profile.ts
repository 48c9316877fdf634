import { z } from 'zod';
import type { BirdPaths } from '../../dataplane/bird.js';
import { FABRIC, file, run, type Section } from '../../dataplane/ops.js';
import type { BackendProfile } from '../backend.js';
import { planFabric } from './fabric-plan.js';
import { fabricNamespace, nodeNamespace } from './names.js';

/** Where `ip netns add`, which makes every namespace of a lab, keeps them. */
export const NETNS_DIR = '/run/netns';

/** Files of running labs that live outside namespaces (BIRD's config, socket, log). */
export const RUNTIME_ROOT = '/run/testbed';
export const runtimeDir = (lab: string) => `${RUNTIME_ROOT}/${lab}`;
/** Programs first in the PATH of `exec` on a host (its own `birdc`). */
export const binDir = (lab: string, host: string) => `${runtimeDir(lab)}/${host}/bin`;

/** BIRD's files live outside the namespaces, one folder per host, removed with the lab. */
function birdPaths(lab: string, host: string): BirdPaths {
  const dir = `${runtimeDir(lab)}/${host}`;
  return { config: `${dir}/bird.conf`, socket: `${dir}/bird.ctl`, pid: `${dir}/bird.pid`, log: `${dir}/bird.log` };
}

/**
 * Hosts share the machine's file system, so each BIRD has its own socket instead of the default
 * /run/bird/bird.ctl; a `birdc` first in the PATH of `exec` on that host points at it, so that
 * `testbed exec LAB host0 -- birdc show protocols` works as on a real node.
 */
function birdcWrapper(lab: string, host: string): Section {
  const path = `${binDir(lab, host)}/birdc`;
  // The real birdc is the one in PATH once this folder is out of it.
  const bin = binDir(lab, host);
  const script = [
    '#!/bin/sh',
    `PATH=$(printf '%s' "$PATH" | sed -e 's#${bin}:##g' -e 's#:${bin}$##')`,
    `exec birdc -s ${birdPaths(lab, host).socket} "$@"`,
    '',
  ].join('\n');
  return {
    comment: `birdc for this host's BIRD (testbed exec puts ${binDir(lab, host)} first in PATH).`,
    ops: [file(host, path, script), run(host, 'chmod', '+x', path)],
  };
}

export const netnsProfile: BackendProfile = {
  name: 'netns',
  description: 'every host and workload a Linux network namespace on this machine (root, no Docker)',
  capabilities: ['routedSegments', 'ipv6'],
  programHome: { where: 'on this machine', fix: 'install it with: sh scripts/install-deps.sh' },
  hostConcurrency: 16,
  // BR_MAX_PORTS: port numbers are 10 bits, and 0 is not a port.
  hostsPerSegment: { max: 1023, why: 'a segment is a Linux bridge, which has at most 1023 ports' },
  uplink: 'configure',
  namespaces: 'backend',
  namespaceName: (lab, node) => (node === FABRIC ? fabricNamespace(lab) : nodeNamespace(lab, node)),
  namespacePath: (lab, node) => `${NETNS_DIR}/${netnsProfile.namespaceName(lab, node)}`,
  birdPaths,
  hostExtras: (lab, host, topology) => (topology.routing === 'bgp' ? [birdcWrapper(lab, host)] : []),
  fabric: (topology) => ({
    title: 'The lab fabric (netns backend: a namespace of its own stands in for the physical network)',
    sections: planFabric(topology),
  }),
  options: z.strictObject({}),
  flags: {},
};
