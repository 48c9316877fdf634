import type { RunReport } from '../lab/run.js';
import { figures } from './figures.js';
import { kindNamed } from '../steps/registry.js';

/** Text for a Markdown table cell or line: no pipes, no newlines, no HTML (GitHub renders both). */
const cell = (text: string) =>
  text
    .replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

/** The run as GitHub-flavoured Markdown, for a job summary ($GITHUB_STEP_SUMMARY): a table, then what failed. */
export function renderSummary(reports: RunReport[], error?: string): string {
  const steps = reports.flatMap((r) => r.steps);
  const passed = steps.filter((s) => s.passed).length;
  const skipped = steps.filter((s) => s.skipped).length;
  const failed = steps.length - passed - skipped;
  const lines = [
    `### testbed: ${reports.every((r) => r.passed) && !error ? '✅' : '❌'} ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    '',
    '| scenario | backend | passed | failed | skipped | time |',
    '|---|---|---|---|---|---|',
    ...reports.map((r) => {
      const count = (f: (s: (typeof steps)[number]) => boolean) => r.steps.filter(f).length;
      return `| ${r.passed ? '✅' : '❌'} ${cell(r.scenario.name)} | ${r.backend} | ${count((s) => s.passed)} | ${count((s) => !s.passed && !s.skipped)} | ${count((s) => s.skipped === true)} | ${(r.timings.totalMs / 1000).toFixed(1)} s |`;
    }),
    '',
  ];
  if (error) lines.push(`**The run stopped:** ${cell(error)}`, '');
  for (const r of reports) {
    if (r.evidence)
      lines.push(`📦 ${cell(r.scenario.name)}: the lab's state at the failure is in \`${cell(r.evidence)}\``, '');
    for (const s of r.steps.filter((x) => !x.passed && !x.skipped)) {
      lines.push(
        `<details><summary>❌ ${cell(r.scenario.name)}: ${cell(s.name)}</summary>`,
        '',
        ...s.failures.map((f) => `- ${cell(f)}`),
        '',
        '</details>',
        '',
      );
    }
    for (const s of r.steps.filter((x) => x.passed && x.earlierRuns))
      lines.push(`- 🔁 ${cell(r.scenario.name)}: ${cell(s.name)}: passed on retry ${s.earlierRuns!.length}`);
    for (const s of r.steps.filter((x) => kindNamed(x.kind)?.view?.inSummary && x.passed))
      lines.push(`- 🔎 ${cell(r.scenario.name)}: ${cell(s.name)}: ${cell(figures(s))}`);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
