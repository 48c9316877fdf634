import type { Figure } from './stats.js';

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: { n: number; figure: Figure }[];
}

/** A line chart of bring-up time against host count, as a standalone SVG. */
export function lineChart(title: string, series: Series[], ns: number[]): string {
  const width = 720;
  const height = 420;
  const left = 70;
  const right = 190;
  const top = 40;
  const bottom = 50;
  const highest = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.figure.max)));
  // Ticks at 1, 2 or 5 times a power of ten, about five of them.
  const step =
    [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(highest / 5))).find((s) => highest / s <= 6) ??
    10 ** Math.ceil(Math.log10(highest / 5));
  const maxY = Math.ceil(highest / step) * step;
  const x = (n: number) => left + (ns.indexOf(n) / Math.max(1, ns.length - 1)) * (width - left - right);
  const y = (ms: number) => height - bottom - (ms / maxY) * (height - top - bottom);
  const ticks = Array.from({ length: Math.round(maxY / step) + 1 }, (_, i) => step * i);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>` +
        `<text x="${left - 8}" y="${y(t) + 4}" text-anchor="end">${t >= 1000 ? `${(t / 1000).toFixed(1)} s` : `${Math.round(t)} ms`}</text>`,
    ),
    ...ns.map((n) => `<text x="${x(n)}" y="${height - bottom + 18}" text-anchor="middle">${n}</text>`),
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">hosts (N)</text>`,
  ];
  series.forEach((s, i) => {
    const points = s.points.filter((p) => ns.includes(p.n));
    const path = points.map((p) => `${x(p.n)},${y(p.figure.median)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of points) {
      out.push(
        `<line x1="${x(p.n)}" x2="${x(p.n)}" y1="${y(p.figure.min)}" y2="${y(p.figure.max)}" stroke="${s.color}"/>`,
      );
      out.push(`<circle cx="${x(p.n)}" cy="${y(p.figure.median)}" r="3" fill="${s.color}"/>`);
    }
    const ly = top + 10 + i * 20;
    out.push(
      `<line x1="${width - right + 15}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${width - right + 46}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
