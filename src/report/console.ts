import { styleText } from 'node:util';
import type { RunEvents, RunReport } from '../lab/run.js';
import { figures } from './figures.js';
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
    const counter = `${result.index + 1}/${total}`;
    if (result.skipped) {
      this.write(`  ${this.paint('dim', 'SKIP')} ${counter} ${result.name}  (${result.skipReason})`);
      return;
    }
    const mark = result.passed ? this.paint('green', 'PASS') : this.paint('red', 'FAIL');
    const tries = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
    this.write(`  ${mark} ${counter} ${result.name}  ${figures(result)}  (${ms(result.durationMs)}${tries})`);
    for (const failure of result.failures) this.write(`       ${failure}`);
    if (result.diagnostics) {
      this.write(this.paint('dim', result.diagnostics.replace(/^/gm, '       | ')));
    }
  }

  end(report: RunReport): void {
    const passed = report.steps.filter((s) => s.passed).length;
    const skipped = report.steps.filter((s) => s.skipped).length;
    const t = report.timings;
    const kept = report.kept ? `; lab ${report.lab} kept: testbed down ${report.lab}` : '';
    if (skipped > 0 && skipped === report.steps.length)
      this.write(`  no step ran: every one was skipped, so ${report.scenario.name} proved nothing here`);
    this.write(
      `  ${report.scenario.name}: ${passed} of ${report.steps.length} steps passed${skipped > 0 ? `, ${skipped} skipped` : ''} ` +
        `(setup ${ms(t.setupMs)}, steps ${ms(t.stepsMs)}, teardown ${ms(t.teardownMs)})${kept}`,
    );
  }

  /** The closing line over every scenario of the run. */
  summary(reports: RunReport[]): void {
    const steps = reports.flatMap((r) => r.steps);
    const passed = steps.filter((s) => s.passed).length;
    const skipped = steps.filter((s) => s.skipped).length;
    this.write(
      `${passed} passed, ${steps.length - passed - skipped} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    );
  }
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
