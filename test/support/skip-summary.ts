import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { skipSummary } from './gating.js';
import type {} from './task-meta.js';

/** Ends the run with one line saying what was not tested here, and why (the notes of needs() and ctx.skip). */
export default class SkipSummaryReporter implements Reporter {
  /** A run filtered by test name (-t) skips the rest without a note: those are not what the machine lacks. */
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const notes: (string | undefined)[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const note = result.note ?? suiteNote(test);
        if (note !== undefined || !this.filtered) notes.push(note);
      }
    }
    const line = skipSummary(notes);
    process.stdout.write(line ? `\n ${line}\n\n` : '\n nothing skipped: every test ran\n\n');
  }
}

function suiteNote(test: TestCase): string | undefined {
  for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) {
    const note = parent.meta().skipNote;
    if (note) return note;
  }
  return undefined;
}
