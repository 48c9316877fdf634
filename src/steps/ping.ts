import type { PingStep } from '../scenario/schema.js';
import { findNode, nodeAddress } from '../topology/topology.js';
import { parsePingOutput, percentile } from './ping-output.js';
import { compare, type Attempt, type StepContext } from './result.js';

function pingTarget(ctx: StepContext, to: string): string {
  const node = findNode(ctx.topology, to);
  return node ? nodeAddress(node) : to;
}

export async function runPing(ctx: StepContext, step: PingStep): Promise<Attempt> {
  const { from, to, count, interval, size, timeout } = step.ping;
  const target = pingTarget(ctx, to);
  const args = ['ping', '-n', '-c', String(count), '-i', String(interval), '-s', String(size), '-W', String(timeout), target];
  const deadlineMs = (count * interval + timeout + 5) * 1000;
  const result = await ctx.backend.exec(ctx.topology.lab, from, args, { timeoutMs: deadlineMs });
  const out = parsePingOutput(`${result.stdout}\n${result.stderr}`);

  const ttls = [...new Set(out.ttls)];
  const ttl = ttls.length === 1 ? ttls[0]! : ttls.length === 0 ? null : ttls.join('/');
  const metrics = {
    target,
    transmitted: out.transmitted,
    received: out.received,
    lossPercent: out.lossPercent,
    duplicates: out.duplicates,
    errors: out.errors,
    ttl,
    rttMinMs: out.rtt?.min ?? null,
    rttAvgMs: out.rtt?.avg ?? null,
    rttMaxMs: out.rtt?.max ?? null,
    rttMdevMs: out.rtt?.mdev ?? null,
    rttP99Ms: percentile(out.rtts, 99) ?? null,
    error: out.error ?? (result.code > 1 && !out.transmitted ? result.stderr.trim() || `exit ${result.code}` : null),
  };

  const e = step.expect;
  const reachable = out.received > 0;
  const expected: Attempt['expected'] = { reachable: e.reachable };
  const actual: Attempt['actual'] = { reachable };
  const failures = compare('reachable', e.reachable, reachable, reachable === e.reachable);
  if (e.reachable && reachable) {
    const atMost = (got: number | null) => (x: number) => got !== null && got <= x;
    const checks: [string, number | undefined, number | string | null, (x: number) => boolean, string][] = [
      ['ttl', e.ttl, ttl, (x) => ttl === x, ''],
      ['lossPercent', e.maxLoss, out.lossPercent, atMost(out.lossPercent), '<= '],
      ['rttAvgMs', e.maxAvgRtt, metrics.rttAvgMs, atMost(metrics.rttAvgMs), '<= '],
      ['rttAvgMs', e.minAvgRtt, metrics.rttAvgMs, (x) => metrics.rttAvgMs !== null && metrics.rttAvgMs >= x, '>= '],
      ['rttMaxMs', e.maxRtt, metrics.rttMaxMs, atMost(metrics.rttMaxMs), '<= '],
    ];
    for (const [field, want, got, ok, bound] of checks) {
      if (want === undefined) continue;
      expected[field] = bound ? `${bound}${want}` : want;
      actual[field] = got;
      failures.push(...compare(field, want, got, ok(want), bound));
    }
  }
  return { metrics, expected, actual, failures };
}
