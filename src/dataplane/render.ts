import { FABRIC, type HostPlan, type IpArg, type Op, type Section } from './ops.js';

/** Maps a node name to the namespace name a backend gives it. */
export type NamespaceNamer = (node: string) => string;

const ipLine = (args: IpArg[], name: NamespaceNamer) =>
  args.map((a) => (typeof a === 'string' ? a : name(a.netns))).join(' ');

const sysctlLine = (op: Extract<Op, { kind: 'sysctl' }>) => `echo ${op.value} > /proc/sys/${op.path}`;

/**
 * The teaching view: each op as the command a person would type on the machine `self`,
 * reading like the seed (`ip netns add ns0`, `ip -n ns0 addr add ...`).
 */
export function renderCommands(sections: Section[], self: string, name: NamespaceNamer = (n) => n): string {
  return sections
    .map((section) => {
      const lines = section.ops.map((op) => {
        if (op.kind === 'netns') return `ip netns add ${name(op.ns)}`;
        if (op.kind === 'ip') return `ip ${op.ns === self ? '' : `-n ${name(op.ns)} `}${ipLine(op.args, name)}`;
        const line = sysctlLine(op);
        return op.ns === self ? line : `ip netns exec ${name(op.ns)} sh -c '${line}'`;
      });
      return [...section.comment.split('\n').map((c) => `# ${c}`), ...lines].join('\n');
    })
    .join('\n\n');
}

/** The teaching view of a whole lab: the fabric (if the backend builds one from operations), then each host. */
export function renderPlanText(plan: { fabric?: { title: string; sections: Section[] }; hosts: HostPlan[] }): string {
  const blocks = plan.hosts.map((p) => `## On ${p.title}\n\n${renderCommands(p.sections, p.host)}`);
  if (plan.fabric) blocks.unshift(`## ${plan.fabric.title}\n\n${renderCommands(plan.fabric.sections, FABRIC)}`);
  return blocks.join('\n\n') + '\n';
}

/**
 * An executable sh script running inside the namespace of `self`. Ops are grouped by phase so
 * each namespace gets a single `ip -batch`: namespaces first (unless `createNamespaces` is off,
 * when the backend made them already), then `self`, then the other namespaces in order of first
 * use, then sysctls. A plan orders ops so that this regrouping never breaks a dependency.
 */
export function renderScript(
  sections: Section[],
  self: string,
  name: NamespaceNamer,
  { createNamespaces }: { createNamespaces: boolean },
): string {
  const ops = sections.flatMap((s) => s.ops);
  const batches = new Map<string, string[]>([[self, []]]);
  const sysctls: string[] = [];
  const namespaces: string[] = [];
  for (const op of ops) {
    if (op.kind === 'netns') namespaces.push(name(op.ns));
    else if (op.kind === 'ip') {
      const lines = batches.get(op.ns) ?? [];
      lines.push(ipLine(op.args, name));
      batches.set(op.ns, lines);
    } else {
      const line = sysctlLine(op);
      sysctls.push(op.ns === self ? line : `ip netns exec ${name(op.ns)} sh -c '${line}'`);
    }
  }
  const script = ['set -e'];
  if (createNamespaces && namespaces.length > 0) {
    script.push(`ip -batch - <<'EOF'`, ...namespaces.map((n) => `netns add ${n}`), 'EOF');
  }
  for (const [ns, lines] of batches) {
    if (lines.length === 0) continue;
    script.push(`ip ${ns === self ? '' : `-n ${name(ns)} `}-batch - <<'EOF'`, ...lines, 'EOF');
  }
  script.push(...sysctls);
  return script.join('\n') + '\n';
}
