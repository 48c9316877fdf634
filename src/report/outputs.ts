import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunReport } from '../lab/run.js';
import type { Topology } from '../topology/topology.js';
import { buildJsonReport } from './json.js';

/** The report files a run writes, by option; each is checked writable before anything is built. */
export interface ReportFiles {
  json: boolean;
  junit?: string | undefined;
  html?: string | undefined;
  summary?: string | undefined;
}

/**
 * Writes the machine-readable reports whatever happened: the scenarios that ran, and `reason`
 * when the run stopped early. Returns why the first file that could not be written was not.
 */
export async function writeReports(
  files: ReportFiles,
  reports: RunReport[],
  topologies: Map<string, Topology>,
  times: { processStartMs: number; loadMs: number },
  reason: string | undefined,
): Promise<string | undefined> {
  if (files.json)
    process.stdout.write(
      `${JSON.stringify(buildJsonReport(reports, times.processStartMs, times.loadMs, reason), null, 2)}\n`,
    );
  // Loaded on demand: the XML builder and the page renderer cost start-up time most runs do not need.
  const outputs: [string | undefined, () => Promise<string>][] = [
    [files.junit, async () => (await import('./junit.js')).renderJunit(reports, reason)],
    [
      files.html,
      async () => (await import('./html.js')).renderHtml(reports, topologies, dirname(resolve(files.html!)), reason),
    ],
    [files.summary, async () => (await import('./summary.js')).renderSummary(reports, reason)],
  ];
  let failed: string | undefined;
  for (const [file, render] of outputs) {
    if (file === undefined) continue;
    try {
      writeFileSync(file, await render());
    } catch (error) {
      failed ??= `${file === files.junit ? '--junit ' : ''}${file}: ${(error as Error).message}`;
    }
  }
  return failed;
}
