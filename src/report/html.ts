import { relative, sep } from 'node:path';
import type { RunReport } from '../lab/run.js';
import type { StepResult } from '../steps/result.js';
import type { Topology } from '../topology/topology.js';
import { kindNamed } from '../steps/registry.js';
import { figures } from './figures.js';
import { svgOf } from './graph.js';

const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1100px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.summary { font-size: 1.05rem; }
.pass { color: #1d7a3a; } .fail { color: #b3261e; } .skip { color: #777; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
td, th { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #eee; }
details.step > summary { cursor: pointer; list-style: none; }
details.step.failed { background: #fdf0ef; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: .8rem; }
.trace { display: flex; align-items: center; flex-wrap: wrap; gap: .25rem; margin: .4rem 0; }
.hop { border: 1px solid #3c8d5a; border-radius: 6px; padding: .25rem .5rem; background: #e7f5ec; font-size: .85rem; }
.link { font-size: .8rem; color: #555; }
.graph svg { max-width: 100%; height: auto; border: 1px solid #eee; }
`;

function stepHtml(step: StepResult, total: number, link: (file: string) => string): string {
  const state = step.skipped ? 'skip' : step.passed ? 'pass' : 'fail';
  const view = kindNamed(step.kind)?.view;
  const mark = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' }[state];
  const detail = [
    ...(step.skipped ? [`<p>${html(step.skipReason ?? '')}</p>`] : []),
    ...(step.failures.length > 0 ? [`<ul>${step.failures.map((f) => `<li>${html(f)}</li>`).join('')}</ul>`] : []),
    ...(view && !step.skipped ? [view.html(step.metrics, html)] : []),
    ...(step.attachments ?? []).map((a) => `<p>capture: <a href="${html(link(a))}">${html(a)}</a></p>`),
    ...(step.earlierRuns ?? []).map(
      (r, i) => `<p>run ${i + 1} failed (${r.durationMs} ms): ${html(r.failures.join('; '))}</p>`,
    ),
    ...(step.diagnostics ? [`<pre>${html(step.diagnostics)}</pre>`] : []),
  ].join('');
  const open = state === 'fail' || view?.open ? ' open' : '';
  return `<details class="step ${state === 'fail' ? 'failed' : ''}"${open} data-step="${step.index + 1}" data-state="${state}">
<summary><span class="${state}">${mark}</span> ${step.index + 1}/${total} ${html(step.name)} <span class="link">${html(figures(step))} (${step.durationMs} ms)</span></summary>
${detail}
</details>`;
}

/**
 * One self-contained page for a run: each scenario's lab drawn, its steps with their figures,
 * failures open. Captures are linked relative to `folder`, where the page is written.
 */
export function renderHtml(
  reports: RunReport[],
  topologies: Map<string, Topology>,
  folder: string,
  error?: string,
): string {
  const link = (file: string) => relative(folder, file).split(sep).map(encodeURIComponent).join('/');
  const steps = reports.flatMap((r) => r.steps);
  const passed = steps.filter((s) => s.passed).length;
  const skipped = steps.filter((s) => s.skipped).length;
  const failed = steps.length - passed - skipped;
  const sections = reports.map((r) => {
    const topology = topologies.get(r.lab);
    return `<section data-lab="${html(r.lab)}">
<h2 class="${r.passed ? 'pass' : 'fail'}">${html(r.scenario.name)} on ${html(r.backend)} — ${r.passed ? 'passed' : 'failed'}</h2>
${r.scenario.description ? `<p>${html(r.scenario.description)}</p>` : ''}
<p class="link">${html(r.scenario.file)}, lab ${html(r.lab)}: setup ${r.timings.setupMs} ms, steps ${r.timings.stepsMs} ms, teardown ${r.timings.teardownMs} ms</p>
${r.evidence ? `<p>the lab's state at the failure: <a href="${html(link(r.evidence))}">${html(r.evidence)}</a></p>` : ''}
${topology ? `<div class="graph">${svgOf(topology)}</div>` : ''}
${r.steps.map((s) => stepHtml(s, r.steps.length, link)).join('\n')}
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>testbed report</title><style>${STYLE}</style></head>
<body>
<h1>testbed report</h1>
<p class="summary"><span class="pass">${passed} passed</span>, <span class="fail">${failed} failed</span>${skipped > 0 ? `, <span class="skip">${skipped} skipped</span>` : ''}</p>
${error ? `<p class="fail" data-error>${html(error)}</p>` : ''}
${sections.join('\n')}
</body></html>
`;
}
