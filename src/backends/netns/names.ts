/**
 * Namespace names of the netns backend: "tb.<lab>" holds the fabric, "tb.<lab>.<node>" each
 * node. Lab and node names contain no dot, so a name parses back unambiguously.
 */
export const NAMESPACE_PREFIX = 'tb.';

export const fabricNamespace = (lab: string) => `${NAMESPACE_PREFIX}${lab}`;
export const nodeNamespace = (lab: string, node: string) => `${NAMESPACE_PREFIX}${lab}.${node}`;

export function parseNamespace(name: string): { lab: string; node?: string } | undefined {
  if (!name.startsWith(NAMESPACE_PREFIX)) return undefined;
  const [lab, node, ...rest] = name.slice(NAMESPACE_PREFIX.length).split('.');
  if (!lab || rest.length > 0 || node === '') return undefined;
  return node === undefined ? { lab } : { lab, node };
}
