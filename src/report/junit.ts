import junitModule, { type Builder } from 'junit-report-builder';
import type { RunReport } from '../lab/run.js';

// The package's typings describe an ES default export, but under Node its CommonJS export *is* the builder.
const junit = junitModule as unknown as Builder;

/** JUnit XML: one testsuite per scenario, one testcase per step; failure text is expected vs actual. */
export function renderJunit(reports: RunReport[]): string {
  const builder = junit.newBuilder();
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
        .standardOutput(JSON.stringify(step.metrics));
      if (!step.passed) {
        testCase.failure(step.failures.join('; '), 'AssertionError');
        testCase.stacktrace([...step.failures, '', step.diagnostics ?? ''].join('\n'));
      }
    }
  }
  return builder.build();
}
