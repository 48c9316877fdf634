import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/lab/load.js';
import { mermaidOf, svgOf } from '../../src/report/graph.js';
import { resolveTopology } from '../../src/topology/topology.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const FONT_SIZE = 12;
const number = (tag: string, name: string) => Number(tag.match(new RegExp(`\\b${name}="([\\d.]+)"`))?.[1]);

/**
 * The drawing as geometry: its boxes, and the lines of text each holds whole (the innermost box
 * that has the line's glyphs, a font size above the baseline and a little below, inside it).
 */
function layout(svg: string): { lines: string[]; holder: Map<string, string[]> } {
  const boxes: Box[] = [...svg.matchAll(/<rect (?!width="100%")[^>]*>/g)].map(([tag]) => ({
    x: number(tag, 'x'),
    y: number(tag, 'y'),
    width: number(tag, 'width'),
    height: number(tag, 'height'),
  }));
  const texts = [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)]
    .slice(1)
    .map(([, attrs, text]) => ({ x: number(attrs!, 'x'), y: number(attrs!, 'y'), text: text! }));
  const holder = new Map<string, string[]>();
  for (const text of texts) {
    const inside = boxes.filter(
      (b) => text.x > b.x && text.x < b.x + b.width && text.y - FONT_SIZE >= b.y && text.y + 3 <= b.y + b.height,
    );
    const innermost = inside.sort((a, b) => a.width * a.height - b.width * b.height)[0];
    if (!innermost) continue;
    const key = `${innermost.x},${innermost.y}`;
    holder.set(key, [...(holder.get(key) ?? []), text.text]);
  }
  return { lines: texts.map((t) => t.text), holder };
}

/** The lines of text that no box holds whole: a box too short or too narrow for what it says. */
function spilled(svg: string): string[] {
  const { lines, holder } = layout(svg);
  const held = new Set([...holder.values()].flat());
  return lines.filter((line) => !held.has(line));
}

describe('the lab as a picture', () => {
  it('dual stack: each IPv6 address on a line of its own, every line inside its box', async () => {
    const svg = svgOf(resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts')));
    const { holder } = layout(svg);
    const boxes = [...holder.values()];
    expect(boxes).toContainEqual(['segment ens192  192.168.1.0/24  gateway 192.168.1.1  fd00:192:168:1::/64']);
    expect(boxes).toContainEqual(['host0', '192.168.1.32 on ens192', 'fd00:192:168:1::32']);
    expect(boxes).toContainEqual([
      'ns0  10.20.1.2/32',
      'fd00:10:20:1::2/128',
      expect.stringMatching(/^cali[0-9a-f]{11}$/),
    ]);
    // ns2 is IPv6 only: its one address beside its name.
    expect(boxes).toContainEqual(['ns2  fd00:10:20:1::4/128', expect.stringMatching(/^cali[0-9a-f]{11}$/)]);
    expect(spilled(svg)).toEqual([]);
  });

  it('one line per workload address where none has two, every line inside its box', async () => {
    const svg = svgOf(resolveTopology(await loadScenario('scenarios/two-host.ts')));
    expect([...layout(svg).holder.values()]).toContainEqual(['ns0  10.20.1.2/32', expect.stringMatching(/^cali/)]);
    expect(spilled(svg)).toEqual([]);
    expect(mermaidOf(resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts')))).toContain(
      'ns2<br/>fd00:10:20:1::4/128<br/>cali',
    );
  });
});
