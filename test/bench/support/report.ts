import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

export function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpus: list.length,
    cpu_model: list[0]?.model ?? 'unknown',
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    free_memory_gb_at_start: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    load_average_at_start: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export interface Row {
  figure: string;
  ours: number | null;
  baseline?: number | null;
  /** True when a lower value is better (costs, units, memory). */
  lowerIsBetter?: boolean;
  unit?: string;
}

export interface ComparedRow {
  figure: string;
  ours: number | null;
  baseline: number | null;
  ratio: number | null;
  verdict: 'better' | 'worse' | 'equal' | 'n/a';
}

export function compare(rows: readonly Row[]): ComparedRow[] {
  return rows.map((row) => {
    const baseline = row.baseline ?? null;
    if (row.ours === null || baseline === null || baseline === 0) {
      return { figure: row.figure, ours: row.ours, baseline, ratio: null, verdict: 'n/a' };
    }
    const ratio = row.ours / baseline;
    const close = Math.abs(ratio - 1) < 0.005;
    const better = row.lowerIsBetter ? ratio < 1 : ratio > 1;
    return {
      figure: row.figure,
      ours: row.ours,
      baseline,
      ratio: Math.round(ratio * 1000) / 1000,
      verdict: close ? 'equal' : better ? 'better' : 'worse',
    };
  });
}

/** A fixed-width table: figure, ours, baseline, ratio (ours / baseline) and which is better. */
export function table(rows: readonly Row[]): string {
  const compared = compare(rows);
  const header = ['figure', 'ours', 'seed baseline', 'ratio ours/baseline', ''];
  const lines = compared.map((row, i) => [
    row.figure,
    fmt(row.ours, rows[i]?.unit),
    rows[i]?.baseline === undefined ? '-' : fmt(row.baseline, rows[i]?.unit),
    row.ratio === null ? '-' : `${row.ratio}x`,
    row.verdict === 'n/a' ? '' : row.verdict,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] ?? '').length)));
  const render = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

function fmt(value: number | null, unit = ''): string {
  if (value === null) return 'n/a';
  const text =
    Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
  return `${text}${unit}`;
}
