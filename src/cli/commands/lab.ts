import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { mermaidOf, svgOf } from '../../report/graph.js';
import {
  backendOfLab,
  backendsToSearch,
  profileOf,
  type BackendChoice,
  type BackendName,
} from '../../backends/registry.js';
import { renderPlanText } from '../../dataplane/render.js';
import { ExitCode, InfraError, UsageError } from '../../errors.js';
import { runStep, stepContext } from '../../steps/run-step.js';
import { STEP_KINDS, type Step } from '../../steps/registry.js';
import { findNode } from '../../topology/topology.js';
import { loadLab } from '../../lab/load.js';
import { planFor } from '../../lab/plan.js';
import { reapOrphans } from '../../lab/reap.js';
import { LabSession } from '../../lab/session.js';
import { ConsoleReporter, ms } from '../../report/console.js';
import {
  backendFlagOptions,
  backendFlagValues,
  backendOption,
  backendSettings,
  nameOption,
  planBackendOption,
  searchBackendOption,
} from '../options.js';

export const upCommand = {
  command: 'up <file>',
  describe: "Build a scenario's lab and leave it running (no steps are run)",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .option('backend', backendOption)
      .option('name', nameOption)
      .options(backendFlagOptions('build'))
      .example('$0 up scenarios/two-host.ts', 'Build the lab "two-host"')
      .example('$0 up scenarios/two-host.ts --backend docker', 'Hosts as containers: docker ps shows them')
      .example('$0 up scenarios/two-host.ts --name demo', 'The same lab under another name, beside the first'),
  handler: async (args: { file: string; backend: string; name?: string; [flag: string]: unknown }): Promise<number> => {
    const reporter = new ConsoleReporter(process.stdout);
    // Without steps, only what building the lab needs is checked; the lab outlives this command.
    const session = await LabSession.open([args.file], {
      backend: args.backend as BackendChoice,
      settings: backendSettings(args),
      flags: (profile) => backendFlagValues(args, profile),
      ...(args.name !== undefined ? { name: args.name } : {}),
      keep: true,
      steps: false,
      handleSignals: true,
      progress: (m) => reporter.progress(m),
    });
    const [lab] = session.labs;
    const { topology } = lab!.plan;
    reporter.begin(topology.name, session.backend.profile.name, topology.lab);
    const started = performance.now();
    await session.build(lab!);
    console.log(`lab ${topology.lab} is up on ${session.backend.profile.name} (${ms(performance.now() - started)})`);
    console.log(`  look inside:  testbed exec ${topology.lab} ${topology.hosts[0]!.name} -- ip route`);
    console.log(`  remove it:    testbed down ${topology.lab}`);
    return ExitCode.passed;
  },
};

export const downCommand = {
  command: 'down [lab]',
  describe: 'Remove a lab and everything it created (idempotent; found from the system, no state file)',
  builder: (y: Argv) =>
    y
      .positional('lab', { type: 'string', describe: 'Lab name' })
      .option('all', { type: 'boolean', default: false, describe: 'Remove every testbed lab on this machine' })
      .option('backend', searchBackendOption)
      .options(backendFlagOptions('find'))
      .example('$0 down two-host', 'Remove the lab "two-host", wherever it runs')
      .example('$0 down --all', 'Remove every lab'),
  handler: async (args: { lab?: string; all: boolean; backend: string; [flag: string]: unknown }): Promise<number> => {
    if (!args.all && !args.lab) throw new UsageError('name a lab, or pass --all');
    if (args.all && args.lab) throw new UsageError('pass either a lab name or --all, not both');
    let removed = 0;
    const backends = await backendsToSearch(args.backend as BackendChoice, backendSettings(args));
    await reapOrphans(backends, (m) => console.log(m));
    for (const backend of backends) {
      const labs = args.all ? (await backend.list()).map((l) => l.lab) : [args.lab!];
      for (const lab of labs) {
        if (await backend.destroy(lab)) {
          console.log(`removed lab ${lab} (${backend.profile.name})`);
          removed++;
        }
      }
    }
    if (removed === 0) console.log(args.all ? 'no labs to remove' : `no lab ${args.lab}: nothing to remove`);
    return ExitCode.passed;
  },
};

export const lsCommand = {
  command: 'ls',
  describe: 'List running labs, found from the system itself',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print a JSON array' })
      .option('backend', searchBackendOption)
      .options(backendFlagOptions('find'))
      .example('$0 ls', 'Show labs with their nodes'),
  handler: async (args: { json: boolean; backend: string; [flag: string]: unknown }): Promise<number> => {
    const labs = [];
    for (const backend of await backendsToSearch(args.backend as BackendChoice, backendSettings(args)))
      labs.push(...(await backend.list()));
    if (args.json) {
      console.log(JSON.stringify(labs, null, 2));
    } else if (labs.length === 0) {
      console.log('no labs');
    } else {
      const rows = labs.map((l) => [l.lab, l.backend, l.state, l.scenario ?? '?', l.created ?? '?', l.nodes.join(',')]);
      printTable([['LAB', 'BACKEND', 'STATE', 'SCENARIO', 'CREATED', 'NODES'], ...rows]);
    }
    return ExitCode.passed;
  },
};

export const execCommand = {
  command: 'exec <lab> <node> [command..]',
  describe: 'Run a command inside a node (host or workload) of a running lab; its exit code is passed through',
  builder: (y: Argv) =>
    y
      .positional('lab', { type: 'string', demandOption: true, describe: 'Lab name' })
      .positional('node', { type: 'string', demandOption: true, describe: 'Host or workload name' })
      .positional('command', { type: 'string', array: true, describe: 'Command and arguments, after --; default: sh' })
      .option('backend', searchBackendOption)
      .options(backendFlagOptions('find'))
      .example('$0 exec two-host ns0 -- ip route', 'Routes inside workload ns0: 169.254.1.1 is the gateway')
      .example('$0 exec two-host host0 -- ip neigh', 'Neighbours of host0')
      .example('$0 exec two-host ns0 -- ping -c 3 10.20.1.3', 'Ping ns1 from ns0'),
  handler: async (args: {
    lab: string;
    node: string;
    command?: string[];
    '--'?: string[];
    backend: string;
    [flag: string]: unknown;
  }) => {
    const argv = [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
    const backend = await backendOfLab(args.backend as BackendChoice, args.lab, backendSettings(args));
    await reapOrphans([backend], (m) => process.stderr.write(`testbed: ${m}\n`));
    // Ctrl-C belongs to the command in the node: its exit code is what exec returns.
    (process as unknown as Record<symbol, boolean>)[Symbol.for('testbed.handlesSignals')] = true;
    return backend.execInteractive(args.lab, args.node, argv.length > 0 ? argv : ['sh']);
  },
};

export const planCommand = {
  command: 'plan <file>',
  describe:
    'Check a scenario file and print the commands its lab is built with, grouped by host (needs no root, touches nothing; what the backend and this machine can do is checked by run and up)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .option('name', nameOption)
      .option('backend', planBackendOption)
      .example('$0 plan scenarios/two-host.ts', "The seed's commands, Calico-style, for each host")
      .example('$0 plan scenarios/two-host.ts --backend docker', 'What runs inside each host container'),
  handler: async (args: { file: string; name?: string; backend: string }): Promise<number> => {
    const plan = planFor(profileOf(args.backend as BackendName), await loadLab(args.file, args.name));
    process.stdout.write(
      `# testbed plan: scenario ${plan.topology.name}, lab ${plan.topology.lab}, backend ${args.backend}\n` +
        `# "ip -n NS" runs ip inside workload namespace NS.\n\n` +
        renderPlanText(plan),
    );
    return ExitCode.passed;
  },
};

export const graphCommand = {
  command: 'graph <file>',
  describe: "Draw a scenario's lab: segments, hosts, workloads, BGP sessions (needs no root, touches nothing)",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .option('format', {
        type: 'string',
        choices: ['svg', 'mermaid'],
        default: 'svg',
        describe: 'svg: a picture, drawn here; mermaid: text that GitHub and mermaid.live draw',
      })
      .option('output', { type: 'string', describe: 'Write to this file instead of stdout' })
      .option('name', nameOption)
      .example('$0 graph scenarios/bgp-mesh.ts --output mesh.svg', 'The mesh as a picture')
      .example('$0 graph scenarios/two-host.ts --format mermaid', 'The lab as a Mermaid flowchart'),
  handler: async (args: { file: string; format: string; output?: string; name?: string }): Promise<number> => {
    const { topology } = await loadLab(args.file, args.name);
    const text = args.format === 'mermaid' ? mermaidOf(topology) : svgOf(topology);
    if (args.output) writeFileSync(args.output, text);
    else process.stdout.write(text);
    return ExitCode.passed;
  },
};

export const traceCommand = {
  command: 'trace <file> <from> <to>',
  describe:
    'Follow one packet through a running lab: the namespaces and interfaces it crosses, the ttl on each link, the ARP (or IPv6 neighbour discovery) it needed',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'The scenario the lab was built from' })
      .positional('from', { type: 'string', demandOption: true, describe: 'The node that sends one echo request' })
      .positional('to', { type: 'string', demandOption: true, describe: 'The node it is sent to' })
      .option('family', {
        type: 'number',
        choices: [4, 6],
        default: 4,
        describe: "6: between the nodes' IPv6 addresses (dual stack)",
      })
      .option('name', nameOption)
      .option('backend', searchBackendOption)
      .options(backendFlagOptions('find'))
      .example(
        '$0 up scenarios/two-host.ts && $0 trace scenarios/two-host.ts ns0 ns1',
        'ns0 → host0 → host1 → ns1, ttl 64 → 63 → 62',
      ),
  handler: async (args: {
    file: string;
    from: string;
    to: string;
    family: 4 | 6;
    name?: string;
    backend: string;
    [flag: string]: unknown;
  }): Promise<number> => {
    const spec = await loadLab(args.file, args.name);
    for (const name of [args.from, args.to]) {
      const node = findNode(spec.topology, name);
      if (!node) throw new UsageError(`${args.file} has no node "${name}"`);
      if (args.family === 6 && !(node.kind === 'host' ? node.host.address6 : node.workload.address6))
        throw new UsageError(`${name} has no address6 in ${args.file}, which --family 6 needs`);
      if (args.family === 4 && node.kind === 'workload' && !node.workload.address)
        throw new UsageError(`${name} has only an IPv6 address in ${args.file}: give --family 6`);
    }
    const step: Step = STEP_KINDS.trace.schema.parse({ trace: { from: args.from, to: args.to, family: args.family } });
    const backend = await backendOfLab(args.backend as BackendChoice, spec.topology.lab, backendSettings(args));
    const result = await runStep(stepContext(backend, spec.topology, []), step, 0);
    if (result.error) throw new InfraError(`trace ${args.from} -> ${args.to}: ${result.error}`);
    console.log(
      String(result.metrics.path ?? STEP_KINDS.trace.figures(result.metrics, result.passed))
        .split('; ')
        .join('\n'),
    );
    if (result.metrics.arpAnswer)
      console.log(
        `${result.metrics.gateway} (the gateway of ${args.from}) was answered by ${result.metrics.arpAnswer}: proxy ARP`,
      );
    if (result.metrics.ndAnswer)
      console.log(
        `${result.metrics.gateway} (the gateway of ${args.from}) was advertised by ${result.metrics.ndAnswer}: neighbour discovery`,
      );
    console.log(
      `ttl on each link: ${String(result.metrics.ttls ?? 'none')
        .split(',')
        .join(' → ')}${result.metrics.answered ? '' : '; no reply came back'}`,
    );
    return result.metrics.answered ? ExitCode.passed : ExitCode.stepFailed;
  },
};

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
