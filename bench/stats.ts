/** Median and spread of repeated timings. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function figure(runs: number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    median: Math.round(median),
    min: Math.round(sorted[0]!),
    max: Math.round(sorted.at(-1)!),
    runs: runs.map(Math.round),
  };
}

/** "1234 ms (1200–1300)" */
export function show(f: Figure | undefined): string {
  if (!f) return '—';
  const unit = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
  return f.runs.length > 1 ? `${unit(f.median)} (${unit(f.min)}–${unit(f.max)})` : unit(f.median);
}

export function ratio(a: Figure | undefined, b: Figure | undefined): string {
  return a && b && b.median > 0 ? `${(a.median / b.median).toFixed(2)}×` : '—';
}
