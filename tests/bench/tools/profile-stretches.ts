/**
 * Where a server's event loop was busy without a break: reads a V8 CPU profile (bench:dashboard's
 * DASH_BENCH_PROFILE_DIR writes one per load phase), splits it into runs of non-idle samples, and for the runs at least
 * `min-ms` long says how many there were, the longest, and what was on the stack during them (garbage collection, the
 * pg client, the dashboard's code by function, the push path). A push that arrives during such a run waits for it:
 * the push-ack tail the dashboard benchmark measures.
 *
 *   npx tsx tests/bench/tools/profile-stretches.ts <file.cpuprofile> [from-s] [to-s] [min-ms]
 *
 * from-s/to-s: the part of the profile to read, in seconds from its start (default all); min-ms: default 8.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const CallFrame = z.object({ functionName: z.string(), url: z.string() });
const Profile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: CallFrame, children: z.array(z.number()).optional() })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
const Args = z.tuple([z.string(), z.coerce.number().default(0), z.coerce.number().default(Infinity), z.coerce.number().positive().default(8)]);

const [file, fromS, toS, minMs] = Args.parse(process.argv.slice(2));
const profile = Profile.parse(JSON.parse(readFileSync(file, 'utf8')));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const frameName = (id: number) => {
  const f = byId.get(id)?.callFrame;
  return f ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?\/(sync-server|shared|node_modules)\//, '$1/')}` : '?';
};

/** What a sample was doing, coarsely: its stack from the leaf up. */
function category(id: number): string {
  const stack: string[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(frameName(cur));
  if (stack[0]?.startsWith('(garbage collector)')) return 'garbage collection';
  const dashboard = stack.find((n) => n.includes('sync-server/dashboard/'));
  if (dashboard) return `dashboard: ${dashboard}`;
  if (stack.some((n) => /node_modules\/(pg|pg-protocol|pg-pool)\//.test(n))) return 'pg client';
  if (stack.some((n) => /sync-server\/(floor|http|replication)\//.test(n) || n.includes('node_modules/fastify/'))) return 'push path, streams, http';
  return stack[0] ?? '?';
}

let t = 0;
let run: { id: number; us: number }[] = [];
const runs: { id: number; us: number }[][] = [];
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  const s = t / 1e6;
  if (s < fromS || s >= toS) continue;
  const id = profile.samples[i]!;
  const us = profile.timeDeltas[i + 1] ?? 0;
  if (byId.get(id)?.callFrame.functionName === '(idle)') {
    if (run.length > 0) runs.push(run);
    run = [];
  } else run.push({ id, us });
}
if (run.length > 0) runs.push(run);

const long = runs.map((r) => ({ ms: r.reduce((n, x) => n + x.us, 0) / 1000, r })).filter((x) => x.ms >= minMs);
const byCategory = new Map<string, number>();
for (const x of long) for (const { id, us } of x.r) byCategory.set(category(id), (byCategory.get(category(id)) ?? 0) + us);
const total = long.reduce((n, x) => n + x.ms, 0);
console.log(`${long.length} runs of ${minMs} ms or more, ${total.toFixed(0)} ms in all; longest ${long.map((x) => x.ms).sort((a, b) => b - a).slice(0, 8).map((ms) => ms.toFixed(0)).join(', ')} ms`);
for (const [name, us] of [...byCategory].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
