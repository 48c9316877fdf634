import type Docker from 'dockerode';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { throwIfInterrupted } from '../../util/interrupt.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import type { Backend, LabSummary, Progress } from '../backend.js';
import { NEIGHBOUR_LIMIT_FILE, NEIGHBOUR_STATS_FILE, parseNeighbourTable, type NeighbourTable } from '../neighbour-table.js';
import { allowLabBridge, removeLabRules } from './bridge-firewall.js';
import { dockerClient, pingDocker } from './client.js';
import { handBackUplink, hostContainerSpec } from './containers.js';
import { execAttached, execCapture } from './exec.js';
import { claimLab, execInContainer, explainedDocker, hostsHold, labLabels, locateNode, removeContainers, summarizeLabs } from './lab-containers.js';
import { anyHostImage, ensureHostImage, hostImage } from './image.js';
import { bridgeName, containerName, isHost, LABEL, labFilter, networkName, readyMarker } from './labels.js';
import { createSegmentNetwork, removeNetwork } from './networks.js';
import { dockerGateway } from './router.js';
import { startRouter } from './router-container.js';
import { runOneOff } from './one-off.js';
import { dockerProfile, type DockerOptions } from './profile.js';

/**
 * Hosts are containers on Docker networks (one internal bridge network per segment); workloads are
 * network namespaces inside them, made by the host's own plan.
 */
export class DockerBackend implements Backend {
  readonly profile = dockerProfile;
  private readonly docker: Docker = dockerClient();
  private readonly hostIndex = new Map<string, Docker.ContainerInfo[]>();
  private image: string | undefined;
  /** When each lab this process builds was created: one time on all of its labels. */
  private readonly createdAt = new Map<string, string>();

  preflight(): Promise<void> {
    return pingDocker(this.docker);
  }

  /** In a throwaway container of the host image, with the capability a host has over its network. */
  async probe(script: string, progress: Progress): Promise<ProcessResult> {
    const image = await ensureHostImage(this.docker, progress);
    // Probes of runs that were killed while they probed (a probe lasts a second; these are old).
    const stale = await this.docker.listContainers({ all: true, filters: { label: ['testbed.probe'], status: ['exited', 'created'] } });
    for (const c of stale.filter((x) => Date.now() / 1000 - x.Created > 600)) {
      await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    }
    const { code, output } = await runOneOff(this.docker, {
      image,
      script,
      network: 'none',
      capabilities: ['NET_ADMIN'],
      labels: { 'testbed.probe': 'true' },
    });
    return { code, stdout: output, stderr: code === 0 ? '' : output };
  }

  /** Read in the Docker host's own network namespace, from a throwaway container of the host image. */
  async neighbourTable(): Promise<NeighbourTable | undefined> {
    const image = await anyHostImage(this.docker, () => {});
    const { code, output } = await runOneOff(this.docker, {
      image,
      script: `cat ${NEIGHBOUR_LIMIT_FILE} && echo --- && cat ${NEIGHBOUR_STATS_FILE}`,
      network: 'host',
      capabilities: [],
      labels: { 'testbed.probe': 'true' },
    });
    const [limit, stats] = output.replace(/\r/g, '').split('---\n');
    return code === 0 && stats ? parseNeighbourTable(limit!, stats) : undefined;
  }

  async exists(lab: string): Promise<boolean> {
    const [containers, networks] = await Promise.all([this.containers(lab), this.networks(lab)]);
    return containers.length + networks.length > 0;
  }

  async claim(plan: LabPlan, progress: Progress): Promise<void> {
    await this.explained(async () => {
      this.createdAt.set(plan.topology.lab, new Date().toISOString());
      this.image = await ensureHostImage(this.docker, progress);
      await claimLab(this.docker, plan.topology.lab, this.image, this.labelsOf(plan), this.profile.name);
    });
  }

  async createLab(plan: LabPlan, progress: Progress): Promise<void> {
    await this.explained(async () => {
      const { lab, segments } = plan.topology;
      const image = this.image ?? hostImage();
      progress(`creating networks ${segments.map((s) => networkName(lab, s.name)).join(', ')}`);
      for (const segment of segments) await createSegmentNetwork(this.docker, lab, segment, dockerGateway(plan.topology, segment), this.labelsOf(plan));
      for (const segment of segments) await allowLabBridge(this.docker, image, lab, bridgeName(lab, segment.name));
      if (plan.fabric) await startRouter(this.docker, plan, image, this.labelsOf(plan), progress);
      progress(`starting ${plan.hosts.length} host containers`);
    });
  }

  async createHost(plan: LabPlan, hostName: string): Promise<void> {
    await this.explained(async () => {
      throwIfInterrupted();
      const host = plan.topology.hosts.find((h) => h.name === hostName)!;
      const { privileged } = plan.options as DockerOptions;
      const wanted = privileged === true || (Array.isArray(privileged) && privileged.includes(host.name));
      const spec = hostContainerSpec(plan.topology.lab, host, this.image ?? hostImage(), this.labelsOf(plan), wanted);
      await (await this.docker.createContainer(spec)).start();
    });
  }

  /** Docker API errors become one line; a runtime that cannot grant every capability says what to do. */
  private explained(work: () => Promise<void>): Promise<void> {
    return explainedDocker('docker', work, (message) =>
      /unable to apply caps/.test(message) ? ' (this container runtime cannot grant every capability: run without --privileged / privileged)' : '',
    );
  }

  async markReady(plan: LabPlan): Promise<void> {
    await this.explained(async () => {
      await this.docker.createContainer(readyMarker(this.image ?? hostImage(), this.labelsOf(plan)));
    });
  }

  readonly power = {
    stop: async (lab: string, host: string): Promise<void> => {
      const container = this.docker.getContainer(containerName(lab, host));
      const info = await container.inspect();
      await handBackUplink(container, info.Config.Labels[LABEL.uplink]);
      await container.kill();
    },
    /** Docker gives the restarted container a new network namespace; its stale /run/netns goes. */
    start: async (lab: string, host: string): Promise<void> => {
      const container = this.docker.getContainer(containerName(lab, host));
      await container.start();
      await execCapture(container, ['rm', '-rf', '/run/netns']);
    },
  };

  async destroy(lab: string): Promise<boolean> {
    this.hostIndex.delete(lab);
    const [containers, networks] = await Promise.all([this.containers(lab), this.networks(lab)]);
    await removeContainers(this.docker, containers, this.profile.hostConcurrency);
    const found = containers.length + networks.length > 0;
    if (found) await removeLabRules(this.docker, await anyHostImage(this.docker, () => {}), lab);
    await Promise.all(networks.map((n) => removeNetwork(this.docker, n.Id)));
    return found;
  }

  async list(): Promise<LabSummary[]> {
    const filters = labFilter(this.profile.name);
    const [containers, networks] = await Promise.all([this.docker.listContainers({ all: true, filters }), this.docker.listNetworks({ filters })]);
    return summarizeLabs(this.profile.name, containers, networks);
  }

  async exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    const found = await this.locate(lab, node, argv);
    return execInContainer(this.docker.getContainer(found.container.Id), node, found.argv, options);
  }

  async execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const found = await this.locate(lab, node, argv);
    return execAttached(this.docker.getContainer(found.container.Id), found.argv);
  }

  /** The container of a node, from the cached list; a node not in it (a host made since) lists again. */
  private async locate(lab: string, node: string, argv: string[]) {
    const cached = await this.hostsOf(lab);
    if (!hostsHold(cached, node)) this.hostIndex.delete(lab);
    return locateNode(await this.hostsOf(lab), lab, node, argv, this.profile.name);
  }

  /**
   * The lab's host containers for exec, listed once per lab: steps exec hundreds of times and a
   * container keeps its id and labels for the lab's life (also across a power cycle).
   */
  private async hostsOf(lab: string): Promise<Docker.ContainerInfo[]> {
    const known = this.hostIndex.get(lab);
    if (known) return known;
    const containers = (await this.containers(lab)).filter(isHost);
    if (containers.length > 0) this.hostIndex.set(lab, containers);
    return containers;
  }

  private labelsOf(plan: LabPlan): Record<string, string> {
    return labLabels(plan, this.createdAt.get(plan.topology.lab) ?? new Date().toISOString(), this.profile.name);
  }

  private containers(lab: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: labFilter(this.profile.name, lab) });
  }

  private networks(lab: string): Promise<Docker.NetworkInspectInfo[]> {
    return this.docker.listNetworks({ filters: labFilter(this.profile.name, lab) });
  }
}

