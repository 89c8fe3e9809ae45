/**
 * bench:compare: a benchmark of this tree side by side with the same benchmark of an older commit, in one run, as
 * issue 11 asks ("no benchmark worse by more than 10 % than before the change"). The older commit is checked out in a
 * git worktree (in the system's temp folder, sharing this tree's node_modules), and the two trees' runs alternate, so
 * a busy minute on the machine falls on both. Each row: how much worse this tree's median is than the baseline's
 * (here ÷ then for a metric whose goal is "<" or "<=", such as a time; then ÷ here for a ">" goal, such as a
 * throughput), goal ≤ 1.1.
 *
 *   COMPARE_BASELINE  commit to compare with (default 2058a67: the commit before issue 11's first change)
 *   COMPARE_BENCH     npm bench script to run in both trees (default bench:sync)
 *   COMPARE_ENV       extra environment for both runs, `A=1 B=2` (default SYNC_BENCH_ONLY=catchup)
 *   COMPARE_ROUNDS    alternations (default 3; at least 3 for a median worth reading)
 * Rows are matched by metric name with its figures left out (some benches write a run's figures into the name); a
 * row only one tree has is left out.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { meetsGoal, printBench, type BenchResult } from './bench-format';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const env = z
  .object({
    COMPARE_BASELINE: z.string().regex(/^[0-9a-f]{7,40}$/, 'a commit id').default('2058a67'),
    COMPARE_BENCH: z.string().regex(/^bench:[a-z]+$/).default('bench:sync'),
    COMPARE_ENV: z.string().default('SYNC_BENCH_ONLY=catchup'),
    COMPARE_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),
  })
  .parse(process.env);
const log = (m: string) => console.error(`[bench:compare] ${m}`);

const BenchLine = z.object({ bench: z.string(), results: z.array(z.object({ metric: z.string(), value: z.number(), unit: z.string(), goal: z.string() })) });
type BenchLine = z.infer<typeof BenchLine>;

/** The baseline's worktree, made once per commit (reused by later runs), with this tree's node_modules. */
function baselineTree(commit: string): string {
  const full = execFileSync('git', ['rev-parse', `${commit}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `qsf-baseline-${full.slice(0, 12)}`);
  if (!existsSync(join(dir, 'package.json'))) {
    log(`checking out ${full.slice(0, 12)} in ${dir}`);
    execFileSync('git', ['worktree', 'add', '--force', '--detach', dir, full], { cwd: ROOT, stdio: 'ignore' });
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const extraEnv = Object.fromEntries(
  env.COMPARE_ENV.split(/\s+/)
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

/** One run of the bench script in `cwd`; its last line parsed. */
function runOnce(cwd: string): BenchLine {
  const r = spawnSync('npm', ['run', '--silent', env.COMPARE_BENCH], { cwd, env: { ...process.env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0) throw new Error(`${env.COMPARE_BENCH} in ${cwd} exited ${r.status}: ${(r.stderr ?? '').slice(-2000)}`);
  return BenchLine.parse(JSON.parse(last));
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const base = baselineTree(env.COMPARE_BASELINE);
const runs: { here: BenchLine[]; base: BenchLine[] } = { here: [], base: [] };
for (let round = 1; round <= env.COMPARE_ROUNDS; round++) {
  // Which goes first alternates too.
  const order: ['here' | 'base', string][] = round % 2 ? [['here', ROOT], ['base', base]] : [['base', base], ['here', ROOT]];
  for (const [which, cwd] of order) {
    const line = runOnce(cwd);
    runs[which].push(line);
    log(`round ${round} ${which}: ${line.results.map((r) => `${r.value} ${r.unit}`).join(', ')}`);
  }
}

/** A metric's name without the figures some benches write into it (`p50 12.3 ms`, `57000 rows/s`), to match runs. */
const nameOf = (metric: string): string => metric.replace(/\d+(?:\.\d+)?/g, '#');
const values = (lines: readonly BenchLine[], metric: string): number[] =>
  lines.flatMap((l) => l.results.filter((r) => nameOf(r.metric) === nameOf(metric)).map((r) => r.value));
const results: BenchResult[] = [];
for (const r of runs.here[0]?.results ?? []) {
  const here = values(runs.here, r.metric);
  const then = values(runs.base, r.metric);
  if (then.length === 0) continue;
  // How much worse this tree is (1: the same, above 1: worse): a time is better lower; otherwise the metric's own goal
  // says, and for a "≥" goal (a throughput, a ratio to a reference that should stay high) more is better, so the
  // baseline's median goes on top.
  const higherIsBetter = r.unit !== 'ms' && r.unit !== 's' && r.goal.trim().startsWith('>');
  const ratio = higherIsBetter ? median(then) / median(here) : median(here) / median(then);
  const how = higherIsBetter ? `${env.COMPARE_BASELINE} ÷ this tree` : `this tree ÷ ${env.COMPARE_BASELINE}`;
  results.push({
    metric: `${r.metric}: ${how} (worse above 1; medians of ${here.length}: here ${median(here)}, then ${median(then)} ${r.unit}; runs here ${here.join(', ')}; then ${then.join(', ')})`,
    value: Math.round(ratio * 1000) / 1000,
    unit: 'ratio',
    goal: '<= 1.1',
    met: meetsGoal(ratio, '<= 1.1'),
  });
}
printBench('compare', results);
