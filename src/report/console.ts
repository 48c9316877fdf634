import { styleText } from 'node:util';
import type { RunEvents, RunReport } from '../lab/run.js';
import type { StepResult } from '../steps/result.js';

type Write = (line: string) => void;

/** Human-readable progress and results. Writes to stderr when stdout carries JSON. */
export class ConsoleReporter implements RunEvents {
  private readonly color: boolean;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.color = stream.isTTY === true && !process.env.NO_COLOR;
  }

  private readonly write: Write = (line) => this.stream.write(`${line}\n`);
  private paint(style: 'green' | 'red' | 'dim' | 'bold', text: string): string {
    return this.color ? styleText(style, text) : text;
  }

  begin(scenario: string, backend: string, lab: string): void {
    this.write(this.paint('bold', `${scenario} on ${backend} (lab ${lab})`));
  }

  progress(message: string): void {
    this.write(this.paint('dim', `  ${message}`));
  }

  labReady(lab: string, setupMs: number): void {
    this.write(`  lab ${lab} ready in ${ms(setupMs)}`);
  }

  stepDone(result: StepResult, total: number): void {
    const mark = result.passed ? this.paint('green', 'PASS') : this.paint('red', 'FAIL');
    const counter = `${result.index + 1}/${total}`;
    const tries = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
    this.write(`  ${mark} ${counter} ${result.name}  ${figures(result)}  (${ms(result.durationMs)}${tries})`);
    for (const failure of result.failures) this.write(`       ${failure}`);
    if (result.diagnostics) {
      this.write(this.paint('dim', result.diagnostics.replace(/^/gm, '       | ')));
    }
  }

  end(report: RunReport): void {
    const passed = report.steps.filter((s) => s.passed).length;
    const t = report.timings;
    const kept = report.kept ? `; lab ${report.lab} kept: testbed down ${report.lab}` : '';
    this.write(
      `  ${report.scenario.name}: ${passed} of ${report.steps.length} steps passed ` +
        `(setup ${ms(t.setupMs)}, steps ${ms(t.stepsMs)}, teardown ${ms(t.teardownMs)})${kept}`,
    );
  }

  /** The closing line over every scenario of the run. */
  summary(reports: RunReport[]): void {
    const steps = reports.flatMap((r) => r.steps);
    const passed = steps.filter((s) => s.passed).length;
    this.write(`${passed} passed, ${steps.length - passed} failed`);
  }
}

/** The figures of a step worth reading at a glance. */
function figures(result: StepResult): string {
  const m = result.metrics;
  switch (result.kind) {
    case 'ping':
      if (m.received === 0) return `unreachable${m.error ? ` (${m.error})` : ''}`;
      return `ttl=${m.ttl} loss=${m.lossPercent}% rtt min/avg/max=${m.rttMinMs}/${m.rttAvgMs}/${m.rttMaxMs} ms`;
    case 'route':
      return `[${m.routes}]`;
    case 'neighbour':
      return m.lladdr ? `lladdr ${m.lladdr} ${m.state ?? ''}`.trim() : 'no entry';
    case 'sysctl':
      return `= ${m.value ?? 'unreadable'}`;
    case 'matrix':
      return `${m.reached}/${m.pairs} pairs answered, ${m.ttlMismatches} ttl mismatches, in ${m.matrixMs} ms`;
    case 'bgp':
      return `${m.established}/${m.sessions} sessions established, ${m.birdRoutes} bird routes, ${m.sinceLabReadyMs} ms after the lab was ready`;
    case 'iperf3':
      if (m.error) return String(m.error);
      return `${(Number(m.bitsPerSecond) / 1e6).toFixed(1)} Mbit/s${m.lossPercent !== null ? ` loss=${m.lossPercent}% jitter=${m.jitterMs} ms` : ''}`;
    case 'wait':
      return 'seconds' in m ? `${m.seconds} s` : `exit ${m.exitCode}`;
    default:
      return m.exitCode === undefined ? (result.passed ? 'done' : 'failed') : m.exitCode === 0 ? 'done' : `exit ${m.exitCode}`;
  }
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
