/**
 * Every external program testbed runs, the Debian package that provides it, and where it must be:
 * `machine` — on the machine itself (the netns backend runs everything there, and testbed runs
 * some programs itself); `image` — in the docker backend's host image (hosts run it inside their
 * container); `imageBuild` — on the machine when it builds the host image without a registry.
 * `base` packages are part of every Debian/Ubuntu system and of a debootstrap minbase tree.
 *
 * scripts/install-deps.sh and images/host/packages.txt follow from this table (a unit test keeps
 * them equal); the preflight checks the programs a scenario needs against it.
 */
export const PROGRAMS = {
  ip: { package: 'iproute2', machine: true, image: true, usedFor: 'every lab: namespaces, links, addresses, routes' },
  tc: { package: 'iproute2', machine: true, image: true, usedFor: 'netem steps' },
  bridge: {
    package: 'iproute2',
    machine: true,
    image: true,
    usedFor: 'encapsulation "vxlan": the forwarding entries of vxlan.calico',
  },
  ss: { package: 'iproute2', machine: true, image: true, usedFor: 'iperf3 steps (waiting for the server to listen)' },
  ping: { package: 'iputils-ping', machine: true, image: true, usedFor: 'ping steps' },
  perl: {
    package: 'perl',
    machine: true,
    image: true,
    usedFor: 'matrix steps: the ICMP prober (raw socket, Time::HiRes)',
  },
  bird: { package: 'bird2', machine: true, image: true, usedFor: 'routing: "bgp" and startBgp steps' },
  birdc: { package: 'bird2', machine: true, image: true, usedFor: 'bgp and stopBgp steps' },
  iperf3: { package: 'iperf3', machine: true, image: true, usedFor: 'iperf3 steps' },
  tcpdump: {
    package: 'tcpdump',
    machine: true,
    image: true,
    usedFor: 'trace steps, --captures, and looking inside by hand',
  },
  pgrep: {
    package: 'procps',
    machine: true,
    image: true,
    usedFor: "looking at a host's processes by hand (ps, pgrep)",
  },
  iptables: { package: 'iptables', image: true, usedFor: 'docker: the accept rule for routed traffic on a lab bridge' },
  debootstrap: {
    package: 'debootstrap',
    imageBuild: true,
    usedFor: 'docker: building the host image without a registry',
  },
  dockerd: { package: 'docker.io', imageBuild: true, usedFor: 'docker: the engine, where none runs yet' },
  chromium: { package: 'chromium', browserTests: true, usedFor: 'tests: the HTML report opened in a real browser' },
  sh: { package: 'dash', base: true, machine: true, image: true, usedFor: 'host plans and step scripts' },
  timeout: { package: 'coreutils', base: true, image: true, usedFor: 'docker: a deadline on commands in hosts' },
  unshare: {
    package: 'util-linux',
    base: true,
    machine: true,
    usedFor: 'netns: probing kernel features in a throwaway namespace',
  },
  nsenter: {
    package: 'util-linux',
    base: true,
    machine: true,
    image: true,
    usedFor: 'running commands and plans inside a namespace',
  },
  zcat: {
    package: 'gzip',
    base: true,
    machine: true,
    image: true,
    usedFor: 'reading /proc/config.gz to explain a missing kernel feature',
  },
} as const satisfies Record<string, ProgramInfo>;

export interface ProgramInfo {
  package: string;
  machine?: true;
  image?: true;
  imageBuild?: true;
  /** Only the test suite needs it (install-deps.sh --browser). */
  browserTests?: true;
  base?: true;
  usedFor: string;
}

export type ProgramName = keyof typeof PROGRAMS;

const table: [ProgramName, ProgramInfo][] = Object.entries(PROGRAMS) as [ProgramName, ProgramInfo][];

function packagesWhere(where: (info: ProgramInfo) => boolean | undefined): string[] {
  return [...new Set(table.filter(([, info]) => where(info) && !info.base).map(([, info]) => info.package))];
}

/** What install-deps.sh installs for the netns backend (and testbed itself). */
export const machinePackages = (): string[] => packagesWhere((p) => p.machine);
/** What install-deps.sh --docker adds. */
export const imageBuildPackages = (): string[] => packagesWhere((p) => p.imageBuild);
/** What install-deps.sh --browser adds for the test suite. */
export const browserTestPackages = (): string[] => packagesWhere((p) => p.browserTests);
/** What the docker backend's host image holds besides the base system. */
export const imagePackages = (): string[] => packagesWhere((p) => p.image);
