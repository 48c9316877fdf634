import type { Topology } from '../topology/topology.js';
import type { BirdPaths } from './bird.js';
import { planHosts, type UplinkMac, type UplinkMode } from './host-plan.js';
import type { HostPlan, Section } from './ops.js';

/** What a backend tells the planner: how uplinks arrive, where BIRD keeps its files, what it adds. */
export interface PlanProfile {
  readonly uplink: UplinkMode;
  /** The uplink's MTU where it is not 1500 (an overlay's 1450): workload veths follow it. */
  readonly uplinkMtu?: number;
  /** Where neighbour discovery does not cross a segment (an overlay): each host's uplink MAC, for static IPv6 neighbours. */
  readonly uplinkMac?: UplinkMac;
  birdPaths(lab: string, host: string): BirdPaths;
  /** Sections a backend adds to a host's plan (after the planner's own). */
  hostExtras?(lab: string, host: string, topology: Topology): Section[];
  /** What connects the segments, where the backend builds it from plan operations (none where nothing has to). */
  fabric?(topology: Topology): { title: string; sections: Section[] } | undefined;
}

/** A resolved lab and the operations that build it on one backend: what `testbed plan` prints. */
export interface LabPlan {
  topology: Topology;
  /** The scenario file, recorded so `ls` can say where a lab came from. */
  scenarioFile: string;
  fabric?: { title: string; sections: Section[] };
  hosts: HostPlan[];
  /** The backend's options for this lab, validated by its profile (docker: privileged). */
  options: Record<string, unknown>;
  /** The process that removes the lab when it is done (`pid:starttime`); none for `up`. Recorded on the lab. */
  owner?: string;
}

/** Pure: the plan of a lab for a backend of this profile. */
export function planLab(
  topology: Topology,
  scenarioFile: string,
  profile: PlanProfile,
  options: Record<string, unknown> = {},
): LabPlan {
  const hosts = planHosts(topology, {
    uplink: profile.uplink,
    birdPaths: (host) => profile.birdPaths(topology.lab, host),
    ...(profile.uplinkMtu ? { mtu: profile.uplinkMtu } : {}),
    ...(profile.uplinkMac ? { uplinkMac: profile.uplinkMac } : {}),
  });
  const fabric = profile.fabric?.(topology);
  return {
    topology,
    scenarioFile,
    options,
    ...(fabric ? { fabric } : {}),
    hosts: hosts.map((plan) => {
      const extras = profile.hostExtras?.(topology.lab, plan.host, topology) ?? [];
      return extras.length > 0 ? { ...plan, sections: [...plan.sections, ...extras] } : plan;
    }),
  };
}
