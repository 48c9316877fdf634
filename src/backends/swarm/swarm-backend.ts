import { createHash } from 'node:crypto';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { InfraError } from '../../errors.js';
import { formatCidr, type Cidr } from '../../net/ipv4.js';
import type { ProcessResult, RunOptions } from '../../util/process.js';
import type { Backend, LabSummary, Progress } from '../backend.js';
import { dockerClient } from '../docker/client.js';
import { DockerHosts } from '../docker/host-runtime.js';
import { dockerGateway } from '../docker/router.js';
import { startRouter } from '../docker/router-container.js';
import { ensureHostImage, hostImage } from '../docker/image.js';
import { imageExists } from '../docker/image-build.js';
import { LABEL, labFilter, readyMarker } from '../docker/labels.js';
import { claimLab, removeContainers, summarizeLabs } from '../docker/lab-containers.js';
import { overlappingNetworks, removeNetwork } from '../docker/networks.js';
import { probeLabels, runOneOff } from '../docker/one-off.js';
import { ensureSwarm, findManager, leaveSwarm } from './cluster.js';
import { awaitOverlayReach, probers, type OverlayHost } from './overlay-reach.js';
import { checkEngines, connect, engineUrls, explainEngineError, type Engine } from './engines.js';
import { swarmProfile, type SwarmOptions } from './profile.js';

/** The engine a host container runs on, on its labels. */
const ENGINE_LABEL = 'testbed.engine';

/**
 * A Swarm network's name must be a DNS name component (no dot): `<lab>_<segment>` (lab names hold
 * no "_"), or a hash where the segment's name holds a dot.
 */
function overlayName(lab: string, segment: string): string {
  return /^[A-Za-z0-9_-]+$/.test(segment)
    ? `${lab}_${segment}`
    : `${lab}_${createHash('sha1').update(segment).digest('hex').slice(0, 12)}`;
}

/**
 * Hosts are containers spread over the Docker engines of one Swarm; each segment is an attachable,
 * internal overlay network, so hosts on different engines share one L2 segment. Workloads are
 * namespaces inside the hosts, built by the same plan as everywhere.
 */
export class SwarmBackend implements Backend {
  readonly profile = swarmProfile;
  private readonly engines: Engine[];
  private readonly hosts: DockerHosts;

  constructor(settings: Record<string, unknown>) {
    this.engines = engineUrls(settings.engine).map((url, index) => connect(url, index));
    this.hosts = new DockerHosts(this.profile.name, this.engines);
  }

  preflight(): Promise<void> {
    return checkEngines(this.engines);
  }

  /** Every engine has its own kernel: the probe runs on each, and what one lacks is missing. */
  async probe(script: string, progress: Progress, lab: string): Promise<ProcessResult> {
    const results = await Promise.all(
      this.engines.map(async (engine) => {
        return this.hosts.probe(engine, await this.imageOn(engine, progress), script, lab);
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
    await new Promise<void>((resolve, reject) =>
      engine.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    if (!(await imageExists(engine.docker, ref))) throw new InfraError(`engine ${engine.url}: loading ${ref} failed`);
    progress(`loaded ${ref} into ${engine.url} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return ref;
  }

  async exists(lab: string): Promise<boolean> {
    const found = await Promise.all(
      this.engines.map(
        async (e) => (await this.hosts.containersOn(e, lab)).length + (await this.hosts.networksOn(e, lab)).length,
      ),
    );
    return found.some((n) => n > 0);
  }

  async claim(plan: LabPlan, progress: Progress): Promise<void> {
    await this.hosts.explained(async () => {
      this.hosts.begin(plan.topology.lab);
      for (const engine of this.engines) await this.imageOn(engine, progress);
      const manager = await ensureSwarm(this.engines, progress, (outside) =>
        this.checkGossipPort(outside, plan.topology.lab),
      );
      await claimLab(manager.docker, plan.topology.lab, hostImage(), this.hosts.labelsOf(plan), this.profile.name);
    });
  }

  async createLab(plan: LabPlan, progress: Progress): Promise<void> {
    const { lab, segments } = plan.topology;
    await this.hosts.explained(async () => {
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
          IPAM: {
            Driver: 'default',
            Config: [{ Subnet: formatCidr(segment.subnet), Gateway: dockerGateway(plan.topology, segment) }],
          },
          Labels: this.hosts.labelsOf(plan),
        });
      }
      // The router runs on the manager's engine; the overlays carry it to every host.
      if (plan.fabric)
        await startRouter(
          manager.docker,
          plan,
          hostImage(),
          { ...this.hosts.labelsOf(plan), [ENGINE_LABEL]: manager.url },
          progress,
          { networkOf: (segment) => overlayName(lab, segment.name), uplinkMac: this.profile.uplinkMac },
        );
      progress(`starting ${plan.hosts.length} host containers on ${this.engines.length} engines`);
    });
  }

  /**
   * An engine in no Swarm whose Docker host still listens on 7946 would join a Swarm without its
   * gossip, and its overlays would never see a peer: dockerd before 28.3 keeps the port of a Swarm
   * it left when its leave timed out (moby#47859). Read with `ss` in the Docker host's network
   * namespace, before anything is joined.
   */
  private async checkGossipPort(outside: Engine[], lab: string): Promise<void> {
    const held = await Promise.all(
      outside.map(async (engine) => {
        const { code, output } = await runOneOff(engine.docker, {
          image: hostImage(),
          script: "ss -Hltn 'sport = :7946'",
          network: 'host',
          capabilities: [],
          labels: probeLabels(this.profile.name, lab),
        });
        return code === 0 && output.trim() !== '' ? [engine.url] : [];
      }),
    );
    const engines = held.flat();
    if (engines.length > 0)
      throw new InfraError(
        `engine ${engines.join(', ')} is in no Swarm but its Docker host listens on 7946, the Swarm gossip port: ` +
          'its dockerd (before 28.3) kept it after leaving a Swarm (moby#47859), or another program holds it; ' +
          'restart that dockerd (for testbed machines: testbed machines down, then up)',
      );
  }

  /** A segment's subnet may not overlap a network of any engine: each engine routes its own networks. */
  private async checkSubnetFree(subnet: Cidr, segment: string): Promise<void> {
    for (const engine of this.engines) {
      const [taken] = await overlappingNetworks(engine.docker, subnet);
      if (taken)
        throw new InfraError(
          `segment ${segment}: subnet ${formatCidr(subnet)} overlaps network ${taken} on engine ${engine.url}`,
        );
    }
  }

  createHost(plan: LabPlan, hostName: string): Promise<void> {
    const engine = this.placementOf(plan, hostName);
    return this.hosts.create(plan, hostName, engine, hostImage(), {
      labels: { [ENGINE_LABEL]: engine.url },
      network: overlayName(plan.topology.lab, plan.topology.hosts.find((h) => h.name === hostName)!.segment.name),
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
      throw new InfraError(
        `backendOptions.swarm.placement.${host}: ${JSON.stringify(wanted)} is none of the engines (${this.engines.map((e, i) => `${i}: ${e.url}`).join(', ')})`,
      );
    }
    return engine;
  }

  async markReady(plan: LabPlan): Promise<void> {
    const manager = await findManager(this.engines);
    await this.hosts.explained(async () => {
      await (manager ?? this.engines[0]!).docker.createContainer(readyMarker(hostImage(), this.hosts.labelsOf(plan)));
    });
  }

  awaitSegments(plan: LabPlan, progress: Progress): Promise<void> {
    return this.awaitReach(
      plan.topology.lab,
      undefined,
      progress,
      (plan.options as SwarmOptions).overlayTimeout * 1000,
    );
  }

  /** Waits until `only` (or every host) reaches the other hosts of its overlay. */
  private async awaitReach(
    lab: string,
    only: string | undefined,
    progress: Progress,
    deadlineMs?: number,
  ): Promise<void> {
    this.hosts.forget(lab);
    // A host that is off (stopHost) has no address on the overlay and nothing to reach.
    const running = (await this.hosts.hostsOf(lab)).filter(({ container }) => container.State === 'running');
    const hosts = running.flatMap(({ container }): OverlayHost[] =>
      Object.entries(container.NetworkSettings.Networks).map(([network, settings]) => ({
        name: container.Labels[LABEL.node]!,
        address: settings.IPAddress,
        segment: network,
        engine: container.Labels[ENGINE_LABEL] ?? '',
      })),
    );
    const from = only === undefined ? probers(hosts) : hosts.filter((h) => h.name === only);
    await awaitOverlayReach(
      hosts,
      from,
      {
        exec: (host, argv, options) => this.exec(lab, host, argv, options),
        peersOf: (network) => this.peersOf(network),
        progress,
      },
      deadlineMs,
    );
  }

  /** Per engine, the nodes its Swarm gossip has as taking part in an overlay network. */
  private async peersOf(network: string): Promise<string[]> {
    return Promise.all(
      this.engines.map(async (engine) => {
        // dockerode's types lack inspect's options; the Engine API takes `verbose` for Swarm networks.
        const overlay = engine.docker.getNetwork(network) as unknown as {
          inspect(opts: { verbose: boolean }): Promise<{ Peers?: { Name: string; IP: string }[] }>;
        };
        const info = await overlay.inspect({ verbose: true }).catch(() => undefined);
        if (!info) return `${engine.url} has no such network`;
        return `${engine.url} sees ${(info.Peers ?? []).map((p) => `${p.Name} (${p.IP})`).join(', ') || 'no peer'}`;
      }),
    );
  }

  readonly power = {
    stop: (lab: string, host: string) => this.hosts.power.stop(lab, host),
    start: async (lab: string, host: string): Promise<void> => {
      await this.hosts.power.start(lab, host);
      // A restarted container is announced to the other engines anew, which takes its time.
      await this.awaitReach(lab, host, () => {});
    },
  };

  /** The Swarm membership testbed made goes once no lab is left, as after `down`. */
  tidy(progress: Progress): Promise<void> {
    return leaveSwarm(this.engines, progress);
  }

  async destroy(lab: string): Promise<boolean> {
    this.hosts.forget(lab);
    let found = false;
    await Promise.all(
      this.engines.map(async (engine) => {
        const containers = await this.hosts
          .removableOn(engine, lab)
          .catch((error: unknown) => this.unreachable(engine, error));
        found ||= containers.length > 0;
        await removeContainers(engine.docker, containers, this.profile.hostConcurrency);
      }),
    );
    const manager = await findManager(this.engines);
    if (manager) {
      const networks = await this.hosts.networksOn(manager, lab);
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
      const left = await Promise.all(
        this.engines.map((e) =>
          this.hosts.networksOn(e, lab).then(
            (n) => n.length,
            () => 0,
          ),
        ),
      );
      if (left.every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 50));
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
        networks: (await e.docker.listNetworks({ filters })).filter(
          (n) => n.Scope === 'swarm' || n.Driver === 'overlay',
        ),
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

  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    return this.hosts.exec(lab, node, argv, options);
  }

  execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    return this.hosts.execInteractive(lab, node, argv);
  }

  /** From the engine that runs the host. Overlays need no firewall rules: swarm adds none. */
  hostLogs(lab: string, host: string): Promise<string> {
    return this.hosts.logs(lab, host);
  }
}
