import type { Argv } from 'yargs';
import { createBackend, type BackendName } from '../../backends/registry.js';
import { renderHostPlanText } from '../../dataplane/render.js';
import { FABRIC } from '../../dataplane/ops.js';
import { ExitCode, UsageError } from '../../errors.js';
import { installInterruptHandler } from '../../lab/interrupt.js';
import { buildLab, planLab } from '../../lab/lab.js';
import { ConsoleReporter, ms } from '../../report/console.js';
import { backendOption, nameOption } from '../options.js';

export const upCommand = {
  command: 'up <file>',
  describe: 'Build a scenario\'s lab and leave it running (no steps are run)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .option('backend', backendOption)
      .option('name', nameOption)
      .example('$0 up scenarios/two-host.ts', 'Build the lab "two-host"')
      .example('$0 up scenarios/two-host.ts --name demo', 'The same lab under another name, beside the first'),
  handler: async (args: { file: string; backend: string; name?: string }): Promise<number> => {
    const plan = await planLab(args.file, args.name);
    const backend = createBackend(args.backend as BackendName);
    await backend.preflight();
    const reporter = new ConsoleReporter(process.stdout);
    installInterruptHandler((m) => reporter.progress(m));
    const { lab } = plan.topology;
    reporter.begin(plan.topology.scenario.name, backend.name, lab);
    const started = performance.now();
    await buildLab(backend, plan, (m) => reporter.progress(m));
    const first = plan.topology.hosts[0]!.name;
    console.log(`lab ${lab} is up (${ms(performance.now() - started)})`);
    console.log(`  look inside:  testbed exec ${lab} ${first} -- ip route`);
    console.log(`  remove it:    testbed down ${lab}`);
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
      .option('backend', backendOption)
      .example('$0 down two-host', 'Remove the lab "two-host"')
      .example('$0 down --all', 'Remove every lab'),
  handler: async (args: { lab?: string; all: boolean; backend: string }): Promise<number> => {
    if (!args.all && !args.lab) throw new UsageError('name a lab, or pass --all');
    if (args.all && args.lab) throw new UsageError('pass either a lab name or --all, not both');
    const backend = createBackend(args.backend as BackendName);
    await backend.preflight();
    const labs = args.all ? (await backend.list()).map((l) => l.lab) : [args.lab!];
    for (const lab of labs) {
      const removed = await backend.destroy(lab);
      console.log(removed ? `removed lab ${lab}` : `no lab ${lab} on ${backend.name}: nothing to remove`);
    }
    if (labs.length === 0) console.log('no labs to remove');
    return ExitCode.passed;
  },
};

export const lsCommand = {
  command: 'ls',
  describe: 'List running labs, found from the system itself',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print a JSON array' })
      .option('backend', backendOption)
      .example('$0 ls', 'Show labs with their nodes'),
  handler: async (args: { json: boolean; backend: string }): Promise<number> => {
    const labs = await createBackend(args.backend as BackendName).list();
    if (args.json) {
      console.log(JSON.stringify(labs, null, 2));
    } else if (labs.length === 0) {
      console.log('no labs');
    } else {
      const rows = labs.map((l) => [l.lab, l.backend, l.scenario ?? '?', l.created ?? '?', l.nodes.join(',')]);
      printTable([['LAB', 'BACKEND', 'SCENARIO', 'CREATED', 'NODES'], ...rows]);
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
      .option('backend', backendOption)
      .example('$0 exec two-host ns0 -- ip route', 'Routes inside workload ns0: 169.254.1.1 is the gateway')
      .example('$0 exec two-host host0 -- ip neigh', 'Neighbours of host0')
      .example('$0 exec two-host ns0 -- ping -c 3 10.20.1.3', 'Ping ns1 from ns0'),
  handler: async (args: { lab: string; node: string; command?: string[]; '--'?: string[]; backend: string }) => {
    const argv = [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
    const backend = createBackend(args.backend as BackendName);
    await backend.preflight();
    return backend.execInteractive(args.lab, args.node, argv.length > 0 ? argv : ['sh']);
  },
};

export const planCommand = {
  command: 'plan <file>',
  describe: 'Print the commands a lab is built with, grouped by host (needs no root, touches nothing)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Scenario file' })
      .option('name', nameOption)
      .example('$0 plan scenarios/two-host.ts', 'The seed\'s commands, Calico-style, for each host'),
  handler: async (args: { file: string; name?: string }): Promise<number> => {
    const plan = await planLab(args.file, args.name);
    const { topology } = plan;
    process.stdout.write(
      `# testbed plan: scenario ${topology.scenario.name}, lab ${topology.lab}\n` +
        `# "ip -n NS" runs ip inside workload namespace NS.\n\n` +
        renderHostPlanText(plan.hosts, {
          title: 'The lab fabric (netns backend: a namespace of its own stands in for the physical network)',
          sections: plan.fabric,
          self: FABRIC,
        }),
    );
    return ExitCode.passed;
  },
};

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}
