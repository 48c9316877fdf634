/** Markdown tables from the JSON Schema that zod derives from a scenario's schema. */

/** The part of JSON Schema (draft 2020-12) that zod's toJSONSchema produces for our schemas. */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

export interface Row {
  field: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

/** Objects with a title have a section of their own; a field of that type links to it. */
export const anchorOf = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** How a value of the schema is written, in a few words: `IPv4 address`, `"static" | "bgp"`, `array of [Host](#host)`. */
export function typeOf(s: JsonSchema): string {
  if (s.properties && s.title) return `[${s.title}](#${anchorOf(s.title)})`;
  if (s.title) return s.title;
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'anything'}${atLeast(s.minItems)}`;
  if (s.type === 'object' && s.properties) return 'object';
  if (s.type === 'object' && typeof s.additionalProperties === 'object')
    return `map of name → ${typeOf(s.additionalProperties)}`;
  if (s.type === 'number' || s.type === 'integer') return `${s.type}${range(s)}`;
  if (s.type === 'string' && s.maxLength !== undefined) return `string (${lengths(s)})`;
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  return s.type ?? 'anything';
}

const atLeast = (n: number | undefined) => (n ? ` (at least ${n})` : '');

/** Bounds as written in the schema; zod's integers carry the safe-integer limits, which say nothing. */
function range(s: JsonSchema): string {
  const written = (n: number | undefined) =>
    n === undefined || Math.abs(n) === Number.MAX_SAFE_INTEGER ? undefined : n;
  const min = written(s.minimum);
  const max = written(s.maximum);
  const low = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : min !== undefined ? `≥ ${min}` : '';
  const high = max !== undefined ? `≤ ${max}` : '';
  const bounds = [low, high].filter(Boolean).join(', ');
  return bounds ? ` (${bounds})` : '';
}

const lengths = (s: JsonSchema) => `${s.minLength ?? 0}–${s.maxLength} characters`;

/**
 * The rows of an object's fields. An object field without a title is flattened into dotted
 * names (`ping.from`), so a step kind reads as one table; titled objects stay links.
 */
export function rowsOf(s: JsonSchema, prefix = ''): Row[] {
  return Object.entries(s.properties ?? {}).flatMap(([key, field]): Row[] => {
    const name = `${prefix}${key}`;
    const required = (s.required ?? []).includes(key);
    const own: Row = {
      field: name,
      type: typeOf(field),
      required,
      ...(field.default === undefined ? {} : { default: field.default }),
      description: field.description ?? '',
    };
    if (field.type === 'object' && field.properties && !field.title) {
      return [{ ...own, type: 'object' }, ...rowsOf(field, `${name}.`)];
    }
    const forms = field.anyOf?.filter((f) => f.type === 'object' && f.properties && !f.title) ?? [];
    if (forms.length > 0 && forms.length === field.anyOf!.length) {
      const fields = forms.map((f) =>
        Object.keys(f.properties!)
          .map((k) => `\`${k}\``)
          .join(' and '),
      );
      return [{ ...own, type: `object with ${fields.join(', or ')}` }, ...forms.flatMap((f) => rowsOf(f, `${name}.`))];
    }
    return [own];
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
const shownDefault = (value: unknown) => (value === undefined ? '' : `\`${JSON.stringify(value)}\``);

export function table(rows: Row[]): string {
  const lines = rows.map(
    (r) =>
      `| \`${r.field}\` | ${r.type} | ${r.required ? 'yes' : ''} | ${shownDefault(r.default)} | ${cell(r.description)} |`,
  );
  return ['| Field | Type | Required | Default | Description |', '|---|---|---|---|---|', ...lines].join('\n');
}

/** Every titled object reachable from the schema, in the order first met: each gets a section. */
export function titledObjects(s: JsonSchema, found = new Map<string, JsonSchema>()): Map<string, JsonSchema> {
  if (s.properties && s.title && !found.has(s.title)) found.set(s.title, s);
  for (const child of [
    ...Object.values(s.properties ?? {}),
    ...(s.items ? [s.items] : []),
    ...(s.anyOf ?? []),
    ...(typeof s.additionalProperties === 'object' ? [s.additionalProperties] : []),
  ])
    titledObjects(child, found);
  return found;
}
