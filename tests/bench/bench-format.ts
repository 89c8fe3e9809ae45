/**
 * Shared result shape for every benchmark in tests/bench: a human table, then one machine-readable JSON line as the
 * very last line of output, so CI and scripts can `tail -n1 | jq` without parsing tables.
 */
export type BenchResult = {
  metric: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "<= 28". */
  goal: string;
  met: boolean;
};

/** Parses goals of the form "<= N", "< N", ">= N", "> N" and checks a value against them. */
export function meetsGoal(value: number, goal: string): boolean {
  const m = /^\s*(<=|<|>=|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(goal);
  if (!m) {
    throw new Error(`bench goal not understood: "${goal}"`);
  }
  const bound = Number(m[2]);
  switch (m[1]) {
    case '<=':
      return value <= bound;
    case '<':
      return value < bound;
    case '>=':
      return value >= bound;
    default:
      return value > bound;
  }
}

export function formatBenchTable(results: BenchResult[]): string {
  const header = ['metric', 'value', 'unit', 'goal', 'met'];
  const rows = results.map((r) => [r.metric, formatNumber(r.value), r.unit, r.goal, r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Prints the table, then `{"bench": name, "results": [...]}` as the last line. */
export function printBench(name: string, results: BenchResult[]): void {
  console.log(formatBenchTable(results));
  console.log(JSON.stringify({ bench: name, results }));
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
