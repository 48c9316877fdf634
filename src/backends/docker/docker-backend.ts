import type Docker from 'dockerode';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import type { Backend, LabSummary, Progress } from '../backend.js';
import {
  NEIGHBOUR_LIMIT_FILE,
  NEIGHBOUR_STATS_FILE,
  parseNeighbourTable,
  type NeighbourTable,
} from '../neighbour-table.js';
import { allowLabBridge, labRules, removeLabRules } from './bridge-firewall.js';
import { dockerClient, pingDocker } from './client.js';
import { DockerHosts, type HostEngine } from './host-runtime.js';
import { claimLab, removeContainers, summarizeLabs } from './lab-containers.js';
import { anyHostImage, ensureHostImage, hostImage } from './image.js';
import { bridgeName, labFilter, networkName, readyMarker } from './labels.js';
import { createSegmentNetwork, removeNetwork } from './networks.js';
import { dockerGateway } from './router.js';
import { startRouter } from './router-container.js';
import { probeLabels, runOneOff } from './one-off.js';
import { dockerProfile } from './profile.js';

/**
 * Hosts are containers on Docker networks (one internal bridge network per segment); workloads are
 * network namespaces inside them, made by the host's own plan.
 */
export class DockerBackend implements Backend {
  readonly profile = dockerProfile;
  private readonly docker: Docker = dockerClient();
  private readonly engine: HostEngine = { docker: this.docker, url: 'local' };
  private readonly hosts = new DockerHosts(this.profile.name, [this.engine]);
  private image: string | undefined;

  preflight(): Promise<void> {
    return pingDocker(this.docker);
  }

  /** In a throwaway container of the host image, with the capability a host has over its network. */
  async probe(script: string, progress: Progress, lab: string): Promise<ProcessResult> {
    const image = await ensureHostImage(this.docker, progress);
    const { code, output } = await this.hosts.probe(this.engine, image, script, lab);
    return { code, stdout: output, stderr: code === 0 ? '' : output };
  }

  /** Read in the Docker host's own network namespace, from a throwaway container of the host image. */
  async neighbourTable(lab: string): Promise<NeighbourTable | undefined> {
    const image = await anyHostImage(this.docker, () => {});
    const { code, output } = await runOneOff(this.docker, {
      image,
      script: `cat ${NEIGHBOUR_LIMIT_FILE} && echo --- && cat ${NEIGHBOUR_STATS_FILE}`,
      network: 'host',
      capabilities: [],
      labels: probeLabels(this.profile.name, lab),
    });
    const [limit, stats] = output.replace(/\r/g, '').split('---\n');
    return code === 0 && stats ? parseNeighbourTable(limit!, stats) : undefined;
  }

  /** The ACCEPT rules of the lab's bridges, read in the Docker host's own network namespace as they are made. */
  async firewallRules(lab: string): Promise<string> {
    return labRules(this.docker, await anyHostImage(this.docker, () => {}), lab);
  }

  hostLogs(lab: string, host: string): Promise<string> {
    return this.hosts.logs(lab, host);
  }

  async exists(lab: string): Promise<boolean> {
    const [containers, networks] = await Promise.all([
      this.hosts.containersOn(this.engine, lab),
      this.hosts.networksOn(this.engine, lab),
    ]);
    return containers.length + networks.length > 0;
  }

  async claim(plan: LabPlan, progress: Progress): Promise<void> {
    await this.hosts.explained(async () => {
      this.hosts.begin(plan.topology.lab);
      this.image = await ensureHostImage(this.docker, progress);
      await claimLab(this.docker, plan.topology.lab, this.image, this.hosts.labelsOf(plan), this.profile.name);
    });
  }

  async createLab(plan: LabPlan, progress: Progress): Promise<void> {
    await this.hosts.explained(async () => {
      const { lab, segments } = plan.topology;
      const image = this.image ?? hostImage();
      const labels = this.hosts.labelsOf(plan);
      progress(`creating networks ${segments.map((s) => networkName(lab, s.name)).join(', ')}`);
      for (const segment of segments)
        await createSegmentNetwork(this.docker, lab, segment, dockerGateway(plan.topology, segment), labels);
      for (const segment of segments) await allowLabBridge(this.docker, image, lab, bridgeName(lab, segment.name));
      if (plan.fabric) await startRouter(this.docker, plan, image, labels, progress);
      progress(`starting ${plan.hosts.length} host containers`);
    });
  }

  createHost(plan: LabPlan, hostName: string): Promise<void> {
    return this.hosts.create(plan, hostName, this.engine, this.image ?? hostImage());
  }

  async markReady(plan: LabPlan): Promise<void> {
    await this.hosts.explained(async () => {
      await this.docker.createContainer(readyMarker(this.image ?? hostImage(), this.hosts.labelsOf(plan)));
    });
  }

  readonly power = this.hosts.power;

  async destroy(lab: string): Promise<boolean> {
    this.hosts.forget(lab);
    const [containers, networks] = await Promise.all([
      this.hosts.removableOn(this.engine, lab),
      this.hosts.networksOn(this.engine, lab),
    ]);
    const found = containers.length + networks.length > 0;
    // The bridges' firewall rules go while the containers do: neither needs the other gone.
    await Promise.all([
      removeContainers(this.docker, containers, this.profile.hostConcurrency),
      found ? removeLabRules(this.docker, await anyHostImage(this.docker, () => {}), lab) : undefined,
    ]);
    await Promise.all(networks.map((n) => removeNetwork(this.docker, n.Id)));
    return found;
  }

  async list(): Promise<LabSummary[]> {
    const filters = labFilter(this.profile.name);
    const [containers, networks] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listNetworks({ filters }),
    ]);
    return summarizeLabs(this.profile.name, containers, networks);
  }

  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    return this.hosts.exec(lab, node, argv, options);
  }

  execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    return this.hosts.execInteractive(lab, node, argv);
  }
}
