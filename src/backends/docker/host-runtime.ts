import type Docker from 'dockerode';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { InfraError } from '../../errors.js';
import { throwIfInterrupted } from '../../util/interrupt.js';
import { ownerAlive } from '../../util/owner.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import { handBackUplink, hostContainerSpec } from './containers.js';
import { execAttached, execCapture } from './exec.js';
import { execInContainer, explainedDocker, hostsHold, labLabels, locateNode } from './lab-containers.js';
import { containerName, isHost, LABEL, labFilter } from './labels.js';
import { containerLog } from './logs.js';
import { probeLabels, runOneOff } from './one-off.js';

/** A Docker engine that holds hosts of a lab: its API, and its URL for messages and labels. */
export interface HostEngine {
  docker: Docker;
  url: string;
}

/** What every Docker-based backend takes for its hosts' privileges: all of them, none, or the hosts named. */
export type Privileged = boolean | string[];

interface Located {
  engine: HostEngine;
  container: Docker.ContainerInfo;
}

/**
 * The hosts of a lab as containers on one or more Docker engines: created with least privilege,
 * powered off and on, found again by their labels, and run commands in. The docker backend has
 * one engine; the swarm backend adds placement, overlays and engines around the same runtime.
 */
export class DockerHosts {
  /** The lab's host containers for exec, listed once per lab: steps exec hundreds of times. */
  private readonly index = new Map<string, Located[]>();
  /** When each lab this process builds was created: one time on all of its labels. */
  private readonly createdAt = new Map<string, string>();

  constructor(
    private readonly backend: string,
    private readonly engines: readonly HostEngine[],
  ) {}

  /** Starts the record of a lab this process builds. */
  begin(lab: string): void {
    this.createdAt.set(lab, new Date().toISOString());
  }

  /** The labels everything of the lab carries. */
  labelsOf(plan: LabPlan): Record<string, string> {
    return labLabels(plan, this.createdAt.get(plan.topology.lab) ?? new Date().toISOString(), this.backend);
  }

  /** Docker API errors become one line; a runtime that cannot grant every capability says what to do. */
  explained(work: () => Promise<void>): Promise<void> {
    return explainedDocker(this.backend, work, (message) =>
      /unable to apply caps/.test(message)
        ? ' (this container runtime cannot grant every capability: run without --privileged / privileged)'
        : '',
    );
  }

  /** Creates and starts a host's container on `engine`, on `network` (default: its segment's Docker network). */
  async create(
    plan: LabPlan,
    hostName: string,
    engine: HostEngine,
    image: string,
    { labels = {}, network }: { labels?: Record<string, string>; network?: string } = {},
  ): Promise<void> {
    await this.explained(async () => {
      throwIfInterrupted();
      const host = plan.topology.hosts.find((h) => h.name === hostName)!;
      const { privileged } = plan.options as { privileged: Privileged };
      const wanted = privileged === true || (Array.isArray(privileged) && privileged.includes(hostName));
      const spec = hostContainerSpec(
        plan.topology.lab,
        host,
        image,
        { ...this.labelsOf(plan), ...labels },
        wanted,
        network,
      );
      await (await engine.docker.createContainer(spec)).start();
    });
  }

  /**
   * In a throwaway container of `image` on `engine`, with the capability a host has over its
   * network. It carries the lab's labels, so that a probe left by a killed run goes with the lab.
   */
  async probe(
    engine: HostEngine,
    image: string,
    script: string,
    lab: string,
  ): Promise<{ code: number; output: string }> {
    return runOneOff(engine.docker, {
      image,
      script,
      network: 'none',
      capabilities: ['NET_ADMIN'],
      labels: probeLabels(this.backend, lab),
    });
  }

  readonly power = {
    /** As if it lost power; its uplink handed back first, so that Docker can remove its endpoint. */
    stop: async (lab: string, host: string): Promise<void> => {
      const container = await this.hostContainer(lab, host);
      await handBackUplink(container, (await container.inspect()).Config.Labels[LABEL.uplink]);
      await container.kill();
    },
    /** Docker gives the restarted container a new network namespace; its stale /run/netns goes. */
    start: async (lab: string, host: string): Promise<void> => {
      const container = await this.hostContainer(lab, host);
      await container.start();
      await execCapture(container, ['rm', '-rf', '/run/netns']);
    },
  };

  async exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    const { engine, found } = await this.locate(lab, node, argv);
    return execInContainer(engine.docker.getContainer(found.container.Id), node, found.argv, options);
  }

  async execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const { engine, found } = await this.locate(lab, node, argv);
    return execAttached(engine.docker.getContainer(found.container.Id), found.argv);
  }

  /** A host container's log, with timestamps. */
  async logs(lab: string, host: string): Promise<string> {
    return containerLog(await this.hostContainer(lab, host));
  }

  /** Forgets the lab's containers (it is being removed). */
  forget(lab: string): void {
    this.index.delete(lab);
  }

  /**
   * The lab's host containers on every engine, listed once per lab: a container keeps its id and
   * labels for the lab's life (also across a power cycle).
   */
  async hostsOf(lab: string): Promise<Located[]> {
    const known = this.index.get(lab);
    if (known) return known;
    const perEngine = await Promise.all(
      this.engines.map(async (engine) =>
        (await this.containersOn(engine, lab)).filter(isHost).map((container) => ({ engine, container })),
      ),
    );
    const hosts = perEngine.flat();
    if (hosts.length > 0) this.index.set(lab, hosts);
    return hosts;
  }

  /** Every container of the lab on one engine, hosts or not. */
  containersOn(engine: HostEngine, lab: string): Promise<Docker.ContainerInfo[]> {
    return engine.docker.listContainers({ all: true, filters: labFilter(this.backend, lab) });
  }

  /**
   * The containers of the lab that removing it removes: all but the short-lived helpers of a
   * testbed process that still runs (another `down` of the lab, a run's probe), which remove
   * themselves; pulled from under it, such a helper would fail that process.
   */
  async removableOn(engine: HostEngine, lab: string): Promise<Docker.ContainerInfo[]> {
    const containers = await this.containersOn(engine, lab);
    return containers.filter((c) => {
      const owner = c.Labels[LABEL.probe];
      return owner === undefined || !ownerAlive(owner);
    });
  }

  networksOn(engine: HostEngine, lab: string): Promise<Docker.NetworkInspectInfo[]> {
    return engine.docker.listNetworks({ filters: labFilter(this.backend, lab) });
  }

  private async hostContainer(lab: string, host: string): Promise<Docker.Container> {
    const found = (await this.hostsOf(lab)).find((h) => h.container.Labels[LABEL.node] === host);
    if (!found) throw new InfraError(`lab ${lab} has no host ${host}`);
    return found.engine.docker.getContainer(containerName(lab, host));
  }

  /** The container of a node, from the cached list; a node not in it (a host made since) lists again. */
  private async locate(lab: string, node: string, argv: string[]) {
    if (
      !hostsHold(
        (await this.hostsOf(lab)).map((h) => h.container),
        node,
      )
    )
      this.index.delete(lab);
    const hosts = await this.hostsOf(lab);
    const found = locateNode(
      hosts.map((h) => h.container),
      lab,
      node,
      argv,
      this.backend,
    );
    return { engine: hosts.find((h) => h.container.Id === found.container.Id)!.engine, found };
  }
}
