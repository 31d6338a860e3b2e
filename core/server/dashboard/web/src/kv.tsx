import { fmtValue } from './format';

// KVTable shows an object's keys and values as text, nested keys joined
// with ".".
export function KVTable(p: { obj: Record<string, unknown>; empty: string }) {
  const rows: [string, unknown][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else rows.push([prefix, v]);
  };
  walk('', p.obj);
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  if (!rows.length) return <div class="muted small">{p.empty}</div>;
  return (
    <table class="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th class="mono">{k}</th>
            <td class="mono">{fmtValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
