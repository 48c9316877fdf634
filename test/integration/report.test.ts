import { spawn } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { CHROMIUM_PATHS, needs } from '../support/abilities.js';
import { anyLocalBackend, cli, labFor, removeLabs } from './helpers.js';

const CHROMIUM = CHROMIUM_PATHS.find((path) => existsSync(path)) ?? CHROMIUM_PATHS[0]!;
const dir = mkdtempSync(join(tmpdir(), 'testbed-report-'));
const labs: string[] = [];
afterAll(async () => {
  await removeLabs(...labs);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a page in headless Chromium; returns what it logged as errors and what a check of the page found. */
async function inBrowser<T>(
  file: string,
  check: (page: import('playwright-core').Page) => Promise<T>,
): Promise<{ errors: string[]; found: T }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    return { errors, found: await check(page) };
  } finally {
    await browser.close();
  }
}

const { backend, gate } = await anyLocalBackend();
const browserGate = await needs('browser');

describe(`reports a person can read, on ${backend}`, gate, () => {
  describe('in a browser', browserGate, () => {
    it('a failing scenario: the failed step open in the page, with leading diagnostics and its captures', async () => {
      const lab = labFor('html-fail');
      labs.push(lab);
      const [html, captures] = [join(dir, 'fail.html'), join(dir, 'captures')];
      const result = await cli([
        'run',
        'test/fixtures/ttl61.ts',
        '--backend',
        backend,
        '--name',
        lab,
        '--html',
        html,
        '--captures',
        captures,
        '--json',
      ]);
      expect(result.code).toBe(1);
      const failed = (JSON.parse(result.stdout) as JsonReport).runs[0]!.steps[0]!;
      expect(failed.diagnostics).toMatch(
        /^\$ ip route get 10\.20\.1\.3 {3}\(on ns0\)\n10\.20\.1\.3 via 169\.254\.1\.1 dev eth0/,
      );
      expect(failed.attachments?.map((a) => a.replace(captures, ''))).toEqual(
        ['ns0', 'host0', 'ns1', 'host1'].map((node) => `/${lab}/step1-${node}.pcap`),
      );
      for (const pcap of failed.attachments!) expect(readFileSync(pcap).readUInt32LE(0)).toBe(0xa1b2c3d4);

      const { errors, found } = await inBrowser(html, async (page) => {
        const step = page.locator('details[data-state="fail"]').first();
        return {
          visible: await step.isVisible(),
          open: await step.evaluate((e) => (e as HTMLDetailsElement).open),
          text: await step.innerText(),
          link: await step.locator('a').first().getAttribute('href'),
          graph: await page.locator('.graph svg').count(),
        };
      });
      expect(errors).toEqual([]);
      expect(found).toMatchObject({ visible: true, open: true, graph: 1 });
      expect(found.text).toContain('ttl: expected 61, actual 62');
      expect(existsSync(join(dir, found.link!))).toBe(true);
    }, 120_000);

    it('two-host: the page shows the lab and the ns0 → ns1 trace, 64 → 63 → 62, and the proxy ARP answer', async () => {
      const lab = labFor('html-pass');
      labs.push(lab);
      const html = join(dir, 'pass.html');
      expect(
        (await cli(['run', 'scenarios/two-host.ts', '--backend', backend, '--name', lab, '--html', html])).code,
      ).toBe(0);
      const { errors, found } = await inBrowser(html, (page) => page.locator('[data-trace]').innerText());
      expect(errors).toEqual([]);
      expect(found.replace(/\s+/g, ' ')).toBe('ns0 — ttl 64 → host0 — ttl 63 → host1 — ttl 62 → ns1');
      expect(readFileSync(html, 'utf8')).toContain('169.254.1.1 answered by ee:ee:ee:ee:ee:ee (proxy ARP)');
    }, 120_000);
  });

  it("the GitHub action's run step: reports in its folder, the summary appended to GITHUB_STEP_SUMMARY, the exit code as output", async () => {
    const summary = join(dir, 'step-summary.md');
    const output = join(dir, 'github-output');
    const reports = join(dir, 'action');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('sh', ['scripts/action-run.sh'], {
        stdio: 'ignore',
        env: {
          ...process.env,
          TESTBED_SCENARIOS: 'scenarios/same-host.ts',
          TESTBED_BACKEND: backend,
          TESTBED_REPORT_DIR: reports,
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_OUTPUT: output,
        },
      });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect(readFileSync(summary, 'utf8')).toMatch(
      new RegExp(`\\| ✅ same-host \\| ${backend} \\| 3 \\| 0 \\| 0 \\| [\\d.]+ s \\|`),
    );
    expect(readFileSync(output, 'utf8')).toBe('exit-code=0\n');
    for (const file of ['junit.xml', 'report.html', 'summary.md']) expect(existsSync(join(reports, file))).toBe(true);
    // A failed run would leave the archive of its lab's state here, uploaded with the reports.
    expect(readdirSync(join(reports, 'evidence'))).toEqual([]);
  }, 120_000);
});
