import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type Docker from 'dockerode';
import type { BirdPaths } from '../../dataplane/bird.js';
import type { HostPlan } from '../../dataplane/ops.js';
import { planHosts } from '../../dataplane/host-plan.js';
import { renderScript } from '../../dataplane/render.js';
import { InfraError, TestbedError, UsageError } from '../../errors.js';
import { contains, formatCidr, parseCidr, type Cidr } from '../../net/ipv4.js';
import { throwIfInterrupted } from '../../util/interrupt.js';
import { mapLimit, type ProcessResult, type RunOptions } from '../../util/process.js';
import type { Backend, LabPlan, LabSpec, LabSummary, Progress } from '../backend.js';
import { dockerClient, pingDocker } from './client.js';
import { execAttached, execCapture } from './exec.js';
import { allowLabBridge, removeLabRules } from './bridge-firewall.js';
import { runOneOff } from './one-off.js';
import { ensureHostImage, hostImage, imageExists } from './image.js';

/** Docker names a container's first network interface eth0; the plan renames it after the segment. */
const DOCKER_UPLINK = 'eth0';
/** Containers created and configured at once. */
const HOST_CONCURRENCY = 8;

const LABEL = {
  lab: 'testbed.lab',
  node: 'testbed.node',
  workloads: 'testbed.workloads',
  uplink: 'testbed.uplink',
  scenario: 'testbed.scenario',
  created: 'testbed.created',
} as const;

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

export interface DockerBackendOptions {
  /** Run every host container privileged (fails where CAP_SYS_RESOURCE is not in the bounding set). */
  privileged?: boolean;
}

/**
 * Hosts are containers on Docker networks (one internal bridge network per segment); workloads are
 * network namespaces inside them, built by the same plan as on netns in one exec per host.
 */
export class DockerBackend implements Backend {
  readonly name = 'docker';
  readonly capabilities = ['power'] as const;
  readonly programHome = { where: 'in the host image', fix: 'rebuild it with: testbed image build' };
  private readonly docker: Docker;
  private readonly hostIndex = new Map<string, Docker.ContainerInfo[]>();

  constructor(private readonly options: DockerBackendOptions = {}) {
    this.docker = dockerClient();
  }

  plan(spec: LabSpec): LabPlan {
    return {
      ...spec,
      hosts: planHosts(spec.topology, { uplink: { adopt: DOCKER_UPLINK }, birdPaths: () => this.birdPaths() }),
    };
  }

  /** Inside its own container BIRD keeps Debian's default places, so a bare `birdc` finds it. */
  birdPaths(): BirdPaths {
    return { config: '/etc/bird/bird.conf', socket: '/run/bird/bird.ctl', pid: '/run/bird/bird.pid', log: '/var/log/bird.log' };
  }

  preflight(): Promise<void> {
    return pingDocker(this.docker);
  }

  /** In a throwaway container of the host image, with the capability a host has over its network. */
  async probe(script: string, progress: Progress): Promise<ProcessResult> {
    const image = await ensureHostImage(this.docker, progress);
    const { code, output } = await runOneOff(this.docker, {
      image,
      script,
      network: 'none',
      capabilities: ['NET_ADMIN'],
      labels: { 'testbed.probe': 'true' },
    });
    return { code, stdout: output, stderr: code === 0 ? '' : output };
  }

  async exists(lab: string): Promise<boolean> {
    const [containers, networks] = await Promise.all([this.containers(lab), this.networks(lab)]);
    return containers.length + networks.length > 0;
  }

  async create(plan: LabPlan, progress: Progress): Promise<void> {
    try {
      await this.build(plan, progress);
    } catch (error) {
      if (error instanceof TestbedError) throw error;
      throwIfInterrupted();
      const message = (error as Error).message.replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim();
      const hint = /unable to apply caps/.test(message)
        ? ' (this container runtime cannot grant every capability: run without --privileged / privileged: true)'
        : '';
      throw new InfraError(`docker: ${message}${hint}`);
    }
  }

  private async build(plan: LabPlan, progress: Progress): Promise<void> {
    const { lab, segments, hosts } = plan.topology;
    const image = await ensureHostImage(this.docker, progress);
    const labels = { [LABEL.lab]: lab, [LABEL.scenario]: basename(plan.scenarioFile), [LABEL.created]: new Date().toISOString() };

    progress(`creating networks ${segments.map((s) => networkName(lab, s.name)).join(', ')}`);
    for (const segment of segments) {
      await this.docker
        .createNetwork({
          Name: networkName(lab, segment.name),
          Driver: 'bridge',
          Internal: true,
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: formatCidr(segment.subnet), Gateway: segment.gateway }] },
          Options: { 'com.docker.network.bridge.name': bridgeName(lab, segment.name) },
          Labels: labels,
        })
        .catch(async (error: Error) => {
          if (!/overlap/i.test(error.message)) throw new InfraError(`creating the Docker network for ${segment.name}: ${error.message}`);
          throw new InfraError(
            `segment ${segment.name}: subnet ${formatCidr(segment.subnet)} overlaps ${await this.describeOverlap(segment.subnet)}: ` +
              `remove it or change the scenario's subnet`,
          );
        });
    }

    for (const segment of segments) await allowLabBridge(this.docker, image, lab, bridgeName(lab, segment.name));

    progress(`starting ${hosts.length} host containers`);
    await mapLimit(plan.hosts, HOST_CONCURRENCY, async (hostPlan) => {
      throwIfInterrupted();
      const host = hosts.find((h) => h.name === hostPlan.host)!;
      const network = networkName(lab, host.segment.name);
      const container = await this.docker.createContainer({
        name: containerName(lab, host.name),
        Hostname: host.name,
        Image: image,
        Cmd: ['sleep', 'infinity'],
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
          ...(this.options.privileged || host.privileged ? { Privileged: true } : LEAST_PRIVILEGE),
        },
        NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: host.address } } } },
      });
      await container.start();
      await this.configure(container, hostPlan);
      progress(`${host.name} ready`);
    });
  }

  async stopHost(lab: string, host: string): Promise<void> {
    const container = this.docker.getContainer(containerName(lab, host));
    const info = await container.inspect();
    await this.handBackUplink(container, info.Config.Labels[LABEL.uplink]);
    await container.kill();
  }

  /**
   * Docker removes a container's network endpoint by the interface name it gave it (eth0); under
   * another name dockerd 20.10 leaves a stale endpoint behind and the network can no longer be
   * removed. So the uplink gets its Docker name back before the container goes.
   */
  private async handBackUplink(container: Docker.Container, uplink: string | undefined): Promise<void> {
    if (!uplink || uplink === DOCKER_UPLINK) return;
    const rename = `ip link set dev ${uplink} down && ip link set dev ${uplink} name ${DOCKER_UPLINK}`;
    await execCapture(container, ['sh', '-c', rename], { uninterruptible: true }).catch(() => {});
  }

  /** Docker gives the container a new network namespace: its whole plan runs again, on a clean /run/netns. */
  async startHost(lab: string, plan: HostPlan): Promise<void> {
    const container = this.docker.getContainer(containerName(lab, plan.host));
    await container.start();
    await this.configure(container, plan);
  }

  private async configure(container: Docker.Container, plan: HostPlan): Promise<void> {
    const script = renderScript(plan.sections, plan.host, (n) => n, { createNamespaces: true });
    const result = await execCapture(container, ['sh', '-c', `rm -rf /run/netns\n${script}`]);
    if (result.code !== 0) {
      throw new InfraError(`setting up ${plan.host}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
  }

  async destroy(lab: string): Promise<boolean> {
    this.hostIndex.delete(lab);
    const [containers, networks] = await Promise.all([this.containers(lab), this.networks(lab)]);
    const running = containers.filter((c) => c.State === 'running');
    await mapLimit(running, HOST_CONCURRENCY, (c) => this.handBackUplink(this.docker.getContainer(c.Id), c.Labels[LABEL.uplink]));
    // Killed and reaped before removal, a few at a time: piles of parallel force-removals make
    // dockerd 20.10 fail runc deletes and keep stale endpoints as well.
    await mapLimit(containers, HOST_CONCURRENCY, async (c) => {
      const container = this.docker.getContainer(c.Id);
      if (c.State === 'running') {
        await container.kill().catch(() => {});
        await container.wait({ condition: 'not-running' }).catch(() => {});
      }
      await container.remove({ v: true }).catch(ignoreMissing);
    });
    const found = containers.length + networks.length > 0;
    if (found && (await imageExists(this.docker, hostImage()))) await removeLabRules(this.docker, hostImage(), lab);
    await Promise.all(networks.map((n) => this.removeNetwork(n.Id)));
    return found;
  }

  /**
   * Docker may still count a just-removed container's endpoint on the network ("has active
   * endpoints"): disconnect what is left and try again for a few seconds.
   */
  private async removeNetwork(id: string): Promise<void> {
    const network = this.docker.getNetwork(id);
    for (let attempt = 0; ; attempt++) {
      try {
        await network.remove();
        return;
      } catch (error) {
        const { statusCode, message } = error as { statusCode?: number; message: string };
        if (statusCode === 404) return;
        if (statusCode !== 403 || attempt >= 50) {
          throw new InfraError(
            `removing Docker network ${id.slice(0, 12)}: ${message.replace(/^\(HTTP code \d+\) [a-z ]+- /, '').trim()} ` +
              '(a stale endpoint inside dockerd; restarting dockerd frees it)',
          );
        }
      }
      const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
      for (const container of Object.keys(info?.Containers ?? {})) {
        await network.disconnect({ Container: container, Force: true }).catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async list(): Promise<LabSummary[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL.lab] } });
    const labs = new Map<string, LabSummary>();
    for (const c of containers) {
      const lab = c.Labels[LABEL.lab]!;
      const summary = labs.get(lab) ?? {
        lab,
        backend: this.name,
        nodes: [],
        scenario: c.Labels[LABEL.scenario],
        created: c.Labels[LABEL.created],
      };
      summary.nodes.push(c.Labels[LABEL.node]!, ...workloadsOf(c));
      labs.set(lab, summary);
    }
    for (const network of await this.docker.listNetworks({ filters: { label: [LABEL.lab] } })) {
      const lab = network.Labels?.[LABEL.lab];
      if (lab && !labs.has(lab)) labs.set(lab, { lab, backend: this.name, nodes: [] });
    }
    return [...labs.values()].map((l) => ({ ...l, nodes: l.nodes.sort() }));
  }

  async exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    const { container, argv: full } = await this.locate(lab, node, argv);
    return execCapture(container, full, options);
  }

  async execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const { container, argv: full } = await this.locate(lab, node, argv);
    return execAttached(container, full);
  }

  /** The container that runs `node` and the command line that gets into its namespace. */
  private async locate(lab: string, node: string, argv: string[]): Promise<{ container: Docker.Container; argv: string[] }> {
    const containers = await this.hostsOf(lab);
    const host = containers.find((c) => c.Labels[LABEL.node] === node);
    if (host) return { container: this.docker.getContainer(host.Id), argv };
    const owner = containers.find((c) => workloadsOf(c).includes(node));
    if (owner) return { container: this.docker.getContainer(owner.Id), argv: ['ip', 'netns', 'exec', node, ...argv] };
    if (containers.length === 0) throw new UsageError(`no lab named "${lab}" is running on the docker backend`);
    const nodes = containers.flatMap((c) => [c.Labels[LABEL.node]!, ...workloadsOf(c)]);
    throw new UsageError(`lab "${lab}" has no node "${node}" (nodes: ${nodes.join(', ')})`);
  }

  /** Names the Docker networks whose subnet overlaps `subnet`, and the testbed labs they belong to. */
  private async describeOverlap(subnet: Cidr): Promise<string> {
    const networks = await this.docker.listNetworks();
    const overlapping = networks.filter((n) =>
      (n.IPAM?.Config ?? []).some((c) => {
        const other = c.Subnet ? parseCidr(c.Subnet) : undefined;
        return other !== undefined && (contains(other, subnet.address) || contains(subnet, other.address));
      }),
    );
    const names = overlapping.map((n) => `${n.Name}${n.Labels?.[LABEL.lab] ? ` (testbed lab ${n.Labels[LABEL.lab]})` : ''}`);
    return names.length > 0 ? `Docker network ${names.join(', ')}` : 'a Docker network that already exists (see docker network ls)';
  }

  /**
   * The lab's host containers for exec, listed once per lab: steps exec hundreds of times and a
   * container keeps its id and labels for the lab's life (also across stopHost/startHost).
   */
  private async hostsOf(lab: string): Promise<Docker.ContainerInfo[]> {
    const known = this.hostIndex.get(lab);
    if (known) return known;
    const containers = await this.containers(lab);
    if (containers.length > 0) this.hostIndex.set(lab, containers);
    return containers;
  }

  private containers(lab: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL.lab}=${lab}`] } });
  }

  private networks(lab: string): Promise<Docker.NetworkInspectInfo[]> {
    return this.docker.listNetworks({ filters: { label: [`${LABEL.lab}=${lab}`] } });
  }
}

const containerName = (lab: string, host: string) => `${lab}-${host}`;
/** The workloads a host container runs, from its label. */
const workloadsOf = (c: Docker.ContainerInfo) => (c.Labels[LABEL.workloads] ?? '').split(',').filter(Boolean);
/** Set explicitly (not br-<id>) so the bridge's name is known before Docker answers. */
const bridgeName = (lab: string, segment: string) => `tb-${createHash('sha1').update(`${lab}/${segment}`).digest('hex').slice(0, 12)}`;
const networkName = (lab: string, segment: string) => `${lab}-${segment}`;

function ignoreMissing(error: { statusCode?: number; message: string }): void {
  if (error.statusCode !== 404) throw new InfraError(`docker: ${error.message}`);
}
