/**
 * JSON for stdout: keys sorted at every depth (like canonical JSON) but
 * indented for people; `jq` reads either. Written by hand because
 * JSON.stringify puts integer-like keys first whatever the insertion order.
 */
export function formatSortedJson(value: unknown, indent = '  '): string {
  return `${render(value, '', indent)}\n`;
}

function render(value: unknown, pad: string, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return render((value as { toJSON: () => unknown }).toJSON(), pad, indent);
  }
  const inner = pad + indent;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + render(item, inner, indent)).join(',\n')}\n${pad}]`;
  }
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${render(v, inner, indent)}`).join(',\n')}\n${pad}}`;
}
