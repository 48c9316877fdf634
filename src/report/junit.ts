import junitModule, { type Builder } from 'junit-report-builder';
import type { RunReport } from '../lab/run.js';
import type { StepResult } from '../steps/result.js';

// The package's typings describe an ES default export, but under Node its CommonJS export *is* the builder.
const junit = junitModule as unknown as Builder;

/**
 * JUnit XML: one testsuite per scenario, one testcase per step; failure text is expected vs actual,
 * a check that could not be made is an error, a step this machine cannot run is skipped with why.
 */
export function renderJunit(reports: RunReport[], error?: string): string {
  const builder = junit.newBuilder();
  const skipReasons: string[] = [];
  if (error !== undefined) {
    // Why the run stopped (a scenario refused before it ran, an infrastructure error) is a test error of its own.
    builder
      .testSuite()
      .name('testbed')
      .testCase()
      .className('testbed')
      .name('run')
      .error(error.split('\n')[0], 'Error', error);
  }
  for (const report of reports) {
    const suite = builder
      .testSuite()
      .name(report.scenario.name)
      .time(report.timings.totalMs / 1000)
      .property('backend', report.backend)
      .property('lab', report.lab)
      .property('file', report.scenario.file);
    for (const step of report.steps) {
      const testCase = suite
        .testCase()
        .className(`${report.scenario.name}.${report.backend}`)
        .name(step.name)
        .time(step.durationMs / 1000)
        .standardOutput(standardOutput(step, report.evidence));
      if (step.skipped) {
        testCase.skipped();
        skipReasons.push(step.skipReason ?? '');
      } else if (step.error) {
        testCase.error(step.error, 'Error', [step.error, '', step.diagnostics ?? ''].join('\n'));
      } else if (!step.passed) {
        testCase.failure(step.failures.join('; '), 'AssertionError');
        testCase.stacktrace([...step.failures, '', step.diagnostics ?? ''].join('\n'));
      }
    }
  }
  // The builder writes <skipped/> without the message attribute JUnit readers show: add it, in order,
  // right after each test case's opening tag (whose attribute values cannot hold a '"' or a newline).
  let next = 0;
  return builder
    .build()
    .replace(
      /(<testcase\b[^\n]*?\btime="[^"]*">\s*)<skipped\/>/g,
      (_, opening: string) => `${opening}<skipped message="${escapeAttribute(skipReasons[next++] ?? '')}"/>`,
    );
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A test case's output: the step's figures, its earlier runs, and its files. */
function standardOutput(step: StepResult, evidence: string | undefined): string {
  // JUnit readers (Jenkins, GitLab, many GitHub actions) link files named like this.
  const files = attachments(step, evidence).map((a) => `[[ATTACHMENT|${a}]]`);
  return [JSON.stringify(step.metrics), ...earlierRunLines(step), ...files].join('\n');
}

/** A step's files: its captures (of every run), and for a failed step the archive of the lab's state (--collect-on-failure). */
function attachments(step: StepResult, evidence: string | undefined): string[] {
  const failed = !step.passed && !step.skipped;
  const earlier = (step.earlierRuns ?? []).flatMap((r) => r.attachments ?? []);
  return [...earlier, ...(step.attachments ?? []), ...(failed && evidence ? [evidence] : [])];
}

/** A retried check's earlier runs (--retry), one line each: a pass on a retry is worth a look. */
function earlierRunLines(step: StepResult): string[] {
  return (step.earlierRuns ?? []).map((r, i) => `run ${i + 1} failed (${r.durationMs} ms): ${r.failures.join('; ')}`);
}
