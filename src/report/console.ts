import { styleText } from 'node:util';
import type { RunEvents, RunReport, StepPreview } from '../lab/run.js';
import { figures } from './figures.js';
import type { StepResult } from '../steps/result.js';

type Write = (line: string) => void;

/** Human-readable progress and results. Writes to stderr when stdout carries JSON. */
export class ConsoleReporter implements RunEvents {
  private readonly color: boolean;
  private readonly terminal: boolean;
  /** On a terminal, the `[i/N] name` line of the step running now, which its result line replaces. */
  private running = false;
  /** The number of steps of the lab being run, for the lines of runs that are retried. */
  private total = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.terminal = stream.isTTY === true;
    this.color = this.terminal && !process.env.NO_COLOR;
  }

  private readonly write: Write = (line) => {
    // Anything printed while a step runs goes below its line, which then stays.
    if (this.running) this.stream.write('\n');
    this.running = false;
    this.stream.write(`${line}\n`);
  };
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

  /** `announced`: a pause named the step just before (`--pause`), so a log needs no line of its own. */
  stepStarting(step: StepPreview, announced = false): void {
    this.total = step.total;
    const line = `  ${this.paint('dim', `[${step.index + 1}/${step.total}]`)} ${step.name}`;
    if (!this.terminal) return announced ? undefined : this.write(line);
    if (this.running) this.stream.write('\n');
    this.stream.write(`${line} …`);
    this.running = true;
  }

  stepRetrying(failed: StepResult, retry: number, retries: number): void {
    // Only the last run's diagnostics are shown: the earlier ones are in the JSON report.
    this.result({ ...failed, diagnostics: undefined }, this.total, `, retry ${retry} of ${retries} follows`);
  }

  stepDone(result: StepResult, total: number): void {
    this.result(result, total);
  }

  private result(
    result: Omit<StepResult, 'diagnostics'> & { diagnostics?: string | undefined },
    total: number,
    note = '',
  ): void {
    if (this.running) this.stream.write('\r\x1b[2K');
    this.running = false;
    const counter = `${result.index + 1}/${total}`;
    if (result.skipped) {
      this.write(`  ${this.paint('dim', 'SKIP')} ${counter} ${result.name}  (${result.skipReason})`);
      return;
    }
    const mark = result.passed ? this.paint('green', 'PASS') : this.paint('red', 'FAIL');
    const tries = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
    const retried = result.earlierRuns ? `, passed on retry ${result.earlierRuns.length}` : '';
    this.write(
      `  ${mark} ${counter} ${result.name}  ${figures(result)}  (${ms(result.durationMs)}${tries}${result.passed ? retried : ''}${note})`,
    );
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
        (report.attached
          ? `(steps ${ms(t.stepsMs)}; lab ${report.lab} left running)`
          : `(setup ${ms(t.setupMs)}, steps ${ms(t.stepsMs)}, teardown ${ms(t.teardownMs)})${kept}`),
    );
    if (report.evidence) this.write(`  the lab's state at the failure: ${report.evidence}`);
  }

  /** A scenario that no step of was chosen: one line, its lab not built. */
  leftOut(report: RunReport): void {
    const reason = report.steps[0]?.skipReason ?? 'no step chosen';
    this.write(
      `${report.scenario.name} (${report.scenario.file}): not built: none of its ${report.steps.length} steps is chosen (${reason})`,
    );
  }

  /** The closing lines over every scenario of the run: how many of the steps that ran failed, and which. */
  summary(reports: RunReport[]): void {
    const steps = reports.flatMap((r) => r.steps.map((step) => ({ scenario: r.scenario.name, step })));
    const ran = steps.filter((s) => !s.step.skipped);
    const failed = ran.filter((s) => !s.step.passed);
    const skipped = steps.length - ran.length;
    const retried = ran.filter((s) => s.step.passed && s.step.earlierRuns).length;
    const notes = [
      ...(skipped > 0 ? [`${skipped} skipped`] : []),
      ...(retried > 0 ? [`${retried} passed on a retry`] : []),
    ];
    const extra = notes.length > 0 ? ` (${notes.join(', ')})` : '';
    if (ran.length === 0) return this.write(`no step ran${extra}`);
    if (failed.length === 0)
      return this.write(
        `${ran.length === 1 ? 'the one step that ran passed' : `all ${ran.length} steps passed`}${extra}`,
      );
    this.write(this.paint('red', `${failed.length}/${ran.length} steps failed${extra}:`));
    for (const { scenario, step } of failed) this.write(`  ${scenario} step ${step.index + 1}: ${step.name}`);
  }
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}
