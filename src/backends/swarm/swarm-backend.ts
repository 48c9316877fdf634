import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { InfraError } from '../../errors.js';
import { contains, formatCidr, parseCidr, type Cidr } from '../../net/ipv4.js';
import { throwIfInterrupted } from '../../util/interrupt.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import type { Backend, LabSummary, Progress } from '../backend.js';
import { dockerClient } from '../docker/client.js';
import { handBackUplink, hostContainerSpec } from '../docker/containers.js';
import { execAttached, execCapture } from '../docker/exec.js';
import { ensureHostImage, hostImage } from '../docker/image.js';
import { imageExists } from '../docker/image-build.js';
import { containerName, isHost, LABEL, labFilter, readyMarker } from '../docker/labels.js';
import { claimLab, execInContainer, explainedDocker, hostsHold, labLabels, locateNode, removeContainers, summarizeLabs } from '../docker/lab-containers.js';
import { removeNetwork } from '../docker/networks.js';
import { runOneOff } from '../docker/one-off.js';
import { ensureSwarm, findManager, leaveSwarm } from './cluster.js';
import { awaitOverlayReach, type OverlayHost } from './overlay-reach.js';
import { checkEngines, connect, engineUrls, explainEngineError, type Engine } from './engines.js';
import { swarmProfile, type SwarmOptions } from './profile.js';

/** The engine a host container runs on, on its labels. */
const ENGINE_LABEL = 'testbed.engine';

/**
 * A Swarm network's name must be a DNS name component (no dot): `<lab>_<segment>` (lab names hold
 * no "_"), or a hash where the segment's name holds a dot.
 */
function overlayName(lab: string, segment: string): string {
  return /^[A-Za-z0-9_-]+$/.test(segment) ? `${lab}_${segment}` : `${lab}_${createHash('sha1').update(segment).digest('hex').slice(0, 12)}`;
}

/**
 * Hosts are containers spread over the Docker engines of one Swarm; each segment is an attachable,
 * internal overlay network, so hosts on different engines share one L2 segment. Workloads are
 * namespaces inside the hosts, built by the same plan as everywhere.
 */
export class SwarmBackend implements Backend {
  readonly profile = swarmProfile;
  private readonly engines: Engine[];
  private readonly hostIndex = new Map<string, { engine: Engine; container: Docker.ContainerInfo }[]>();
  private readonly createdAt = new Map<string, string>();

  constructor(settings: Record<string, unknown>) {
    this.engines = engineUrls(settings.engine).map((url, index) => connect(url, index));
  }

  preflight(): Promise<void> {
    return checkEngines(this.engines);
  }

  /** Every engine has its own kernel: the probe runs on each, and what one lacks is missing. */
  async probe(script: string, progress: Progress): Promise<ProcessResult> {
    const results = await Promise.all(
      this.engines.map(async (engine) => {
        const image = await this.imageOn(engine, progress);
        return runOneOff(engine.docker, { image, script, network: 'none', capabilities: ['NET_ADMIN'], labels: { 'testbed.probe': 'true' } });
      }),
    );
    const failed = results.find((r) => r.code !== 0);
    if (failed) return { code: failed.code, stdout: failed.output, stderr: failed.output };
    return { code: 0, stdout: results.map((r) => r.output).join('\n'), stderr: '' };
  }

  /** The host image on an engine: loaded from this machine's engine when it lacks it. */
  private async imageOn(engine: Engine, progress: Progress): Promise<string> {
    const ref = hostImage();
    if (await imageExists(engine.docker, ref)) return ref;
    const local = dockerClient();
    await ensureHostImage(local, progress);
    progress(`loading ${ref} into ${engine.url}`);
    const started = performance.now();
    const tar = await local.getImage(ref).get();
    const stream = await engine.docker.loadImage(tar);
    await new Promise<void>((resolve, reject) => engine.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
    if (!(await imageExists(engine.docker, ref))) throw new InfraError(`engine ${engine.url}: loading ${ref} failed`);
    progress(`loaded ${ref} into ${engine.url} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return ref;
  }

  async exists(lab: string): Promise<boolean> {
    const found = await Promise.all(this.engines.map(async (e) => (await this.containersOn(e, lab)).length + (await this.networksOn(e, lab)).length));
    return found.some((n) => n > 0);
  }

  async claim(plan: LabPlan, progress: Progress): Promise<void> {
    await this.explained(async () => {
      this.createdAt.set(plan.topology.lab, new Date().toISOString());
      for (const engine of this.engines) await this.imageOn(engine, progress);
      const manager = await ensureSwarm(this.engines, progress);
      await claimLab(manager.docker, plan.topology.lab, hostImage(), this.labelsOf(plan), this.profile.name);
    });
  }

  async createLab(plan: LabPlan, progress: Progress): Promise<void> {
    const { lab, segments } = plan.topology;
    await this.explained(async () => {
      const manager = (await findManager(this.engines))!;
      for (const segment of segments) await this.checkSubnetFree(segment.subnet, segment.name);
      progress(`creating overlay networks ${segments.map((s) => overlayName(lab, s.name)).join(', ')}`);
      for (const segment of segments) {
        await manager.docker.createNetwork({
          Name: overlayName(lab, segment.name),
          Driver: 'overlay',
          Attachable: true,
          Internal: true,
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: formatCidr(segment.subnet), Gateway: segment.gateway }] },
          Labels: this.labelsOf(plan),
        });
      }
      progress(`starting ${plan.hosts.length} host containers on ${this.engines.length} engines`);
    });
  }

  /** A segment's subnet may not overlap a network of any engine: each engine routes its own networks. */
  private async checkSubnetFree(subnet: Cidr, segment: string): Promise<void> {
    for (const engine of this.engines) {
      const networks = await engine.docker.listNetworks();
      const taken = networks.find((n) =>
        (n.IPAM?.Config ?? []).some((c) => {
          const other = c.Subnet ? parseCidr(c.Subnet) : undefined;
          return other !== undefined && (contains(other, subnet.address) || contains(subnet, other.address));
        }),
      );
      if (taken) {
        const owner = taken.Labels?.[LABEL.lab] ? ` (testbed lab ${taken.Labels[LABEL.lab]})` : '';
        throw new InfraError(`segment ${segment}: subnet ${formatCidr(subnet)} overlaps network ${taken.Name}${owner} on engine ${engine.url}`);
      }
    }
  }

  async createHost(plan: LabPlan, hostName: string): Promise<void> {
    await this.explained(async () => {
      throwIfInterrupted();
      const host = plan.topology.hosts.find((h) => h.name === hostName)!;
      const engine = this.placementOf(plan, hostName);
      const { privileged } = plan.options as SwarmOptions;
      const wanted = privileged === true || (Array.isArray(privileged) && privileged.includes(hostName));
      const labels = { ...this.labelsOf(plan), [ENGINE_LABEL]: engine.url };
      const spec = hostContainerSpec(plan.topology.lab, host, hostImage(), labels, wanted, overlayName(plan.topology.lab, host.segment.name));
      await (await engine.docker.createContainer(spec)).start();
    });
  }

  /** The engine of a host: as the scenario places it, else round robin in the order of the hosts. */
  private placementOf(plan: LabPlan, host: string): Engine {
    const wanted = (plan.options as SwarmOptions).placement[host];
    if (wanted === undefined) {
      const index = plan.topology.hosts.findIndex((h) => h.name === host);
      return this.engines[index % this.engines.length]!;
    }
    const engine = typeof wanted === 'number' ? this.engines[wanted] : this.engines.find((e) => e.url === wanted);
    if (!engine) {
      throw new InfraError(`backendOptions.swarm.placement.${host}: ${JSON.stringify(wanted)} is none of the engines (${this.engines.map((e, i) => `${i}: ${e.url}`).join(', ')})`);
    }
    return engine;
  }

  private explained(work: () => Promise<void>): Promise<void> {
    return explainedDocker('swarm', work);
  }

  async markReady(plan: LabPlan): Promise<void> {
    const manager = await findManager(this.engines);
    await this.explained(async () => {
      await (manager ?? this.engines[0]!).docker.createContainer(readyMarker(hostImage(), this.labelsOf(plan)));
    });
  }

  awaitSegments(plan: LabPlan, progress: Progress): Promise<void> {
    return this.awaitReach(plan.topology.lab, undefined, progress, (plan.options as SwarmOptions).overlayTimeout * 1000);
  }

  /** Waits until `only` (or every host) reaches the other hosts of its overlay. */
  private async awaitReach(lab: string, only: string | undefined, progress: Progress, deadlineMs?: number): Promise<void> {
    this.hostIndex.delete(lab);
    // A host that is off (stopHost) has no address on the overlay and nothing to reach.
    const running = (await this.hostsOf(lab)).filter(({ container }) => container.State === 'running');
    const hosts = running.flatMap(({ container }): OverlayHost[] =>
      Object.entries(container.NetworkSettings.Networks).map(([network, settings]) => ({ name: container.Labels[LABEL.node]!, address: settings.IPAddress, segment: network })),
    );
    const from = only === undefined ? hosts : hosts.filter((h) => h.name === only);
    await awaitOverlayReach(hosts, from, {
      exec: (host, argv, options) => this.exec(lab, host, argv, options),
      peersOf: (network) => this.peersOf(network),
      progress,
    }, deadlineMs);
  }

  /** Per engine, the nodes its Swarm gossip has as taking part in an overlay network. */
  private async peersOf(network: string): Promise<string[]> {
    return Promise.all(
      this.engines.map(async (engine) => {
        // dockerode's types lack inspect's options; the Engine API takes `verbose` for Swarm networks.
        const overlay = engine.docker.getNetwork(network) as unknown as { inspect(opts: { verbose: boolean }): Promise<{ Peers?: { Name: string; IP: string }[] }> };
        const info = await overlay.inspect({ verbose: true }).catch(() => undefined);
        if (!info) return `${engine.url} has no such network`;
        return `${engine.url} sees ${(info.Peers ?? []).map((p) => `${p.Name} (${p.IP})`).join(', ') || 'no peer'}`;
      }),
    );
  }

  readonly power = {
    stop: async (lab: string, host: string): Promise<void> => {
      const container = await this.hostContainer(lab, host);
      await handBackUplink(container, (await container.inspect()).Config.Labels[LABEL.uplink]);
      await container.kill();
    },
    start: async (lab: string, host: string): Promise<void> => {
      const container = await this.hostContainer(lab, host);
      await container.start();
      await execCapture(container, ['rm', '-rf', '/run/netns']);
      // A restarted container is announced to the other engines anew, which takes its time.
      await this.awaitReach(lab, host, () => {});
    },
  };

  private async hostContainer(lab: string, host: string): Promise<Docker.Container> {
    const found = (await this.hostsOf(lab)).find((h) => h.container.Labels[LABEL.node] === host);
    if (!found) throw new InfraError(`lab ${lab} has no host ${host}`);
    return found.engine.docker.getContainer(containerName(lab, host));
  }

  async destroy(lab: string): Promise<boolean> {
    this.hostIndex.delete(lab);
    let found = false;
    await Promise.all(
      this.engines.map(async (engine) => {
        const containers = await this.containersOn(engine, lab).catch((error: unknown) => this.unreachable(engine, error));
        found ||= containers.length > 0;
        await removeContainers(engine.docker, containers, this.profile.hostConcurrency);
      }),
    );
    const manager = await findManager(this.engines);
    if (manager) {
      const networks = await this.networksOn(manager, lab);
      found ||= networks.length > 0;
      for (const n of networks) await removeNetwork(manager.docker, n.Id);
      await this.networksGone(lab);
    }
    await leaveSwarm(this.engines, () => {});
    return found;
  }

  /**
   * Workers drop their copy of a removed overlay network on their own, shortly after; leaving the
   * Swarm before they did would strand the copy. Waits (up to 15 s) until no engine lists one.
   */
  private async networksGone(lab: string): Promise<void> {
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline) {
      const left = await Promise.all(this.engines.map((e) => this.networksOn(e, lab).then((n) => n.length, () => 0)));
      if (left.every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private unreachable(engine: Engine, error: unknown): never {
    throw new InfraError(`engine ${engine.url}: ${explainEngineError(engine, error)}`);
  }

  async list(): Promise<LabSummary[]> {
    const filters = labFilter(this.profile.name);
    const perEngine = await Promise.all(
      this.engines.map(async (e) => ({
        containers: await e.docker.listContainers({ all: true, filters }),
        networks: (await e.docker.listNetworks({ filters })).filter((n) => n.Scope === 'swarm' || n.Driver === 'overlay'),
      })),
    );
    const labs = summarizeLabs(
      this.profile.name,
      perEngine.flatMap((p) => p.containers),
      // An overlay network shows on every engine that uses it: one lab, however many engines.
      perEngine.flatMap((p) => p.networks).filter((n, i, all) => all.findIndex((m) => m.Id === n.Id) === i),
    );
    return labs;
  }

  async exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    const { engine, found } = await this.locate(lab, node, argv);
    return execInContainer(engine.docker.getContainer(found.container.Id), node, found.argv, options);
  }

  async execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const { engine, found } = await this.locate(lab, node, argv);
    return execAttached(engine.docker.getContainer(found.container.Id), found.argv);
  }

  private async locate(lab: string, node: string, argv: string[]) {
    // A node not in the cached list (a host made since) lists again.
    if (!hostsHold((await this.hostsOf(lab)).map((h) => h.container), node)) this.hostIndex.delete(lab);
    const hosts = await this.hostsOf(lab);
    const found = locateNode(hosts.map((h) => h.container), lab, node, argv, this.profile.name);
    return { engine: hosts.find((h) => h.container.Id === found.container.Id)!.engine, found };
  }

  /** The lab's host containers on every engine, listed once per lab. */
  private async hostsOf(lab: string): Promise<{ engine: Engine; container: Docker.ContainerInfo }[]> {
    const known = this.hostIndex.get(lab);
    if (known) return known;
    const hosts = (
      await Promise.all(this.engines.map(async (engine) => (await this.containersOn(engine, lab)).filter(isHost).map((container) => ({ engine, container }))))
    ).flat();
    if (hosts.length > 0) this.hostIndex.set(lab, hosts);
    return hosts;
  }

  private labelsOf(plan: LabPlan): Record<string, string> {
    return labLabels(plan, this.createdAt.get(plan.topology.lab) ?? new Date().toISOString(), this.profile.name);
  }

  private containersOn(engine: Engine, lab: string): Promise<Docker.ContainerInfo[]> {
    return engine.docker.listContainers({ all: true, filters: labFilter(this.profile.name, lab) });
  }

  private networksOn(engine: Engine, lab: string): Promise<Docker.NetworkInspectInfo[]> {
    return engine.docker.listNetworks({ filters: labFilter(this.profile.name, lab) });
  }
}
