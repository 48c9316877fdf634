import type { Argv } from 'yargs';
import { machineSimulators } from '../../backends/registry.js';
import { ExitCode, UsageError } from '../../errors.js';
import { installInterruptHandler } from '../../util/interrupt.js';
import { ConsoleReporter } from '../../report/console.js';

const simulators = machineSimulators();

export const machinesCommand = {
  command: 'machines <action> [count]',
  describe: `Simulated machines on this Docker engine for the ${simulators.map((s) => s.name).join(', ')} backend: up N, down, ls`,
  builder: (y: Argv) =>
    y
      .positional('action', {
        type: 'string',
        choices: ['up', 'down', 'ls'],
        demandOption: true,
        describe: 'up: start (or keep) N machines; down: remove them all; ls: list them',
      })
      .positional('count', { type: 'number', describe: 'How many machines (up): 1 to 16', default: 2 })
      .example('$0 machines up 2', 'Two Docker-in-Docker machines; prints their engine URLs')
      .example('$0 machines up 2 && eval "$($0 machines ls --export)"', 'And point the swarm backend at them')
      .example('$0 machines down', 'Remove them, their volumes and their network')
      .option('export', {
        type: 'boolean',
        default: false,
        describe: 'ls: print only the line that points the backend at the machines',
      }),
  handler: async (args: { action: string; count: number; export: boolean }): Promise<number> => {
    const simulator = simulators[0]?.simulator;
    if (!simulator) throw new UsageError('no backend runs on simulated machines');
    const reporter = new ConsoleReporter(process.stderr);
    installInterruptHandler((m) => reporter.progress(m));
    if (args.action === 'up') {
      if (!Number.isInteger(args.count) || args.count < 1 || args.count > 16)
        throw new UsageError('machines up takes a count from 1 to 16');
      const machines = await simulator.up(args.count, (m) => reporter.progress(m));
      for (const m of machines) console.log(`${m.name}  ${m.urls.join('  ')}`);
      console.log(simulator.hint(machines));
    } else if (args.action === 'down') {
      const removed = await simulator.down((m) => reporter.progress(m));
      console.log(removed === 0 ? 'no machines' : `removed ${removed} machines`);
    } else {
      const machines = await simulator.list();
      if (args.export) console.log(simulator.hint(machines.filter((m) => m.state === 'running')));
      else if (machines.length === 0) console.log('no machines');
      else for (const m of machines) console.log(`${m.name}  ${m.state}  ${m.urls.join('  ')}`);
    }
    return ExitCode.passed;
  },
};
