import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GENERATED_PAGES } from '../../scripts/docs/pages.js';
import { rowsOf, type JsonSchema } from '../../scripts/docs/schema-tables.js';
import { loadScenario } from '../../src/lab/load.js';
import { anchors, codeBlocks, linkTargets, markdownFiles } from '../support/markdown.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('generated reference pages', () => {
  it.each(GENERATED_PAGES.map((p) => [p.path, p] as const))('%s is what `npm run docs` prints', async (path, page) => {
    expect(existsSync(join(ROOT, path)), `${path} is missing: run npm run docs`).toBe(true);
    expect(read(path), `${path} differs from the code: run npm run docs and commit it`).toBe(await page.render());
  });

  it('every scenario field and step field has a description', async () => {
    const page = await GENERATED_PAGES.find((p) => p.path.endsWith('scenario.md'))!.render();
    const undescribed = page
      .split('\n')
      .filter((line) => /^\| `[^`]+` \|/.test(line))
      // An object's own row is followed by its fields; it needs no words of its own.
      .filter((line) => line.endsWith('|  |') && !/\| object \|/.test(line));
    expect(undescribed).toEqual([]);
  });

  it('flattens an untitled object into dotted fields and links a titled one', () => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'object', properties: { b: { type: 'string', description: 'B.' } }, required: ['b'] },
        c: { type: 'array', items: { type: 'object', title: 'Thing', properties: {} } },
      },
    };
    expect(rowsOf(schema)).toEqual([
      { field: 'a', type: 'object', required: true, description: '' },
      { field: 'a.b', type: 'string', required: true, description: 'B.' },
      { field: 'c', type: 'array of [Thing](#thing)', required: false, description: '' },
    ]);
  });
});

describe('links in README and docs', () => {
  const files = markdownFiles(ROOT);

  it('finds the pages it checks', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/reference/scenario.md']));
  });

  it.each(files)('every relative link in %s resolves', (file) => {
    const broken = linkTargets(read(file)).flatMap((target) => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return []; // https:, mailto:
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const to = path === '' ? file : join(dirname(file), decodeURI(path));
      if (!existsSync(join(ROOT, to))) return [`${target}: no such file ${to}`];
      if (anchor && to.endsWith('.md') && !anchors(read(to)).has(anchor))
        return [`${target}: ${to} has no heading #${anchor}`];
      return [];
    });
    expect(broken).toEqual([]);
  });

  it('reads links, headings and code as GitHub does', () => {
    const page =
      '# Lab: two-host\n## Steps\n## Steps\n[a](b.md#steps-1) `[c](d.md)`\n```\n[e](f.md)\n```\n<img src="g.svg">';
    expect(linkTargets(page)).toEqual(['b.md#steps-1', 'g.svg']);
    expect([...anchors(page)]).toEqual(['lab-two-host', 'steps', 'steps-1']);
  });
});

describe('scenarios shown in README and docs', () => {
  const blocks = markdownFiles(ROOT).flatMap((file) =>
    codeBlocks(read(file), ['ts', 'typescript'])
      .filter((b) => b.code.includes('defineScenario('))
      .map((b) => ({ where: `${file}:${b.line}`, code: b.code })),
  );

  it('finds the scenarios the pages show', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b) => [b.where, b.code] as const))('%s loads and is valid', async (_where, code) => {
    const folder = mkdtempSync(join(tmpdir(), 'testbed-docs-'));
    onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
    const file = join(folder, 'scenario.ts');
    writeFileSync(file, code);
    const scenario = await loadScenario(file);
    expect(scenario.hosts.length).toBeGreaterThan(0);
  });
});
