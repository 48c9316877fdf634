import { FABRIC, type HostPlan, type IpArg, type Op, type Section } from './ops.js';

/** Maps a node name to the namespace name a backend gives it. */
export type NamespaceNamer = (node: string) => string;

/**
 * Words that mean the same to `sh`, to `ip -batch` and to a person reading them. Plans are built
 * from validated names and addresses only; a word outside this set is a bug, refused here rather
 * than quoted, because `ip -batch` has no quoting a shell would agree with.
 */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

function plain(word: string): string {
  if (!PLAIN_WORD.test(word))
    throw new Error(`refusing to render ${JSON.stringify(word)} into a plan: not a plain word`);
  return word;
}

const ipLine = (args: IpArg[], name: NamespaceNamer) =>
  args.map((a) => plain(typeof a === 'string' ? a : name(a.netns))).join(' ');

const sysctlLine = (op: Extract<Op, { kind: 'sysctl' }>) => `echo ${plain(op.value)} > /proc/sys/${plain(op.path)}`;

/** A file written by a heredoc; the delimiter is chosen so the content cannot end it. */
function fileLines(op: Extract<Op, { kind: 'file' }>): string[] {
  let delimiter = 'EOF';
  while (op.content.split('\n').includes(delimiter)) delimiter += '_';
  const folder = op.path.slice(0, op.path.lastIndexOf('/')) || '/';
  return [
    `mkdir -p ${plain(folder)}`,
    `cat > ${plain(op.path)} <<'${delimiter}'`,
    ...op.content.replace(/\n$/, '').split('\n'),
    delimiter,
  ];
}

const shellWord = (word: string) => (PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

/**
 * How a script enters another namespace: `ip netns exec` reads best; `nsenter` only switches the
 * network namespace, where `ip netns exec` and `ip -n` also copy the whole mount table (one mount
 * per namespace on the machine), which makes a lab of thousands of namespaces slow to build.
 */
const enterByName = (name: NamespaceNamer) => (node: string) => `ip netns exec ${plain(name(node))}`;
const enterByPath = (pathOf: NamespaceNamer) => (node: string) => `nsenter --net=${plain(pathOf(node))}`;

/** Lines that run in `self`'s namespace as they are, elsewhere through `enter`. */
function inNamespace(lines: string[], ns: string, self: string, enter: (node: string) => string): string[] {
  if (ns === self) return lines;
  return [`${enter(ns)} sh -c ${shellWord(lines.join('\n'))}`];
}

/**
 * The teaching view: each op as the command a person would type on the machine `self`,
 * reading like the seed (`ip netns add ns0`, `ip -n ns0 addr add ...`).
 */
export function renderCommands(sections: Section[], self: string, name: NamespaceNamer = (n) => n): string {
  const enter = enterByName(name);
  return sections
    .map((section) => {
      const lines = section.ops.map((op) => {
        if (op.kind === 'netns') return `ip netns add ${name(op.ns)}`;
        if (op.kind === 'ip') return `ip ${op.ns === self ? '' : `-n ${name(op.ns)} `}${ipLine(op.args, name)}`;
        if (op.kind === 'bridge') return `bridge ${op.ns === self ? '' : `-n ${name(op.ns)} `}${ipLine(op.args, name)}`;
        if (op.kind === 'file') return inNamespace(fileLines(op), op.ns, self, enter).join('\n');
        if (op.kind === 'run') return inNamespace([op.argv.map(shellWord).join(' ')], op.ns, self, enter).join('\n');
        return inNamespace([sysctlLine(op)], op.ns, self, enter).join('\n');
      });
      return [...section.comment.split('\n').map((c) => `# ${c}`), ...lines].join('\n');
    })
    .join('\n\n');
}

/** `ip` operations of one namespace as the lines of one `ip -batch` (a step's change to a running lab). */
export function renderIpBatch(ops: Op[]): string {
  return ops.map((op) => `${ipWords([op]).join(' ')}\n`).join('');
}

/** The arguments of `ip` for the one `ip` operation in `ops`, as an argv would hold them. */
export function ipWords(ops: Op[]): string[] {
  const [op] = ops;
  if (ops.length !== 1 || op?.kind !== 'ip') throw new Error('expected one ip operation');
  return ipLine(op.args, (n) => n).split(' ');
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
 * when the backend made them already), then the sysctls marked early, then the `ip -batch` of
 * `self` and of the other namespaces in order of first use, then each namespace's `bridge -batch`,
 * then the other sysctls, then files and commands in plan order. A plan orders ops so that this
 * regrouping never breaks a dependency.
 */
export function renderScript(
  sections: Section[],
  self: string,
  name: NamespaceNamer,
  { createNamespaces, pathOf }: { createNamespaces: boolean; pathOf: NamespaceNamer },
): string {
  const enter = enterByPath(pathOf);
  const ops = sections.flatMap((s) => s.ops);
  const batches = new Map<string, string[]>([[self, []]]);
  const bridgeBatches = new Map<string, string[]>();
  const sysctls: string[] = [];
  const earlySysctls: string[] = [];
  const last: string[] = [];
  const namespaces: string[] = [];
  for (const op of ops) {
    if (op.kind === 'netns') namespaces.push(name(op.ns));
    else if (op.kind === 'ip') {
      const lines = batches.get(op.ns) ?? [];
      lines.push(ipLine(op.args, name));
      batches.set(op.ns, lines);
    } else if (op.kind === 'bridge') {
      bridgeBatches.set(op.ns, [...(bridgeBatches.get(op.ns) ?? []), ipLine(op.args, name)]);
    } else if (op.kind === 'sysctl')
      (op.early ? earlySysctls : sysctls).push(...inNamespace([sysctlLine(op)], op.ns, self, enter));
    else if (op.kind === 'file') last.push(...inNamespace(fileLines(op), op.ns, self, enter));
    else last.push(...inNamespace([op.argv.map(shellWord).join(' ')], op.ns, self, enter));
  }
  const script = ['set -e'];
  if (createNamespaces && namespaces.length > 0) {
    script.push(`ip -batch - <<'EOF'`, ...namespaces.map((n) => `netns add ${n}`), 'EOF');
  }
  script.push(...earlySysctls);
  for (const [program, perNamespace] of [
    ['ip', batches],
    ['bridge', bridgeBatches],
  ] as const) {
    for (const [ns, lines] of perNamespace) {
      if (lines.length === 0) continue;
      script.push(`${ns === self ? '' : `${enter(ns)} `}${program} -batch - <<'EOF'`, ...lines, 'EOF');
    }
  }
  script.push(...sysctls, ...last);
  return script.join('\n') + '\n';
}
