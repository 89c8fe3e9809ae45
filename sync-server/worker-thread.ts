/**
 * One of our modules started in a worker thread: `name` (without extension) beside `from` (the caller's
 * import.meta.url). From TypeScript sources (tsx, vitest) the worker loads it through tsx's loader (a worker does not
 * inherit the parent's); a build (.js) starts the built module itself.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

export function startModuleWorker(from: string, name: string, workerData: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`${name}.js`, from), { workerData });
  const entry = new URL(`${name}.ts`, from).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Lowers the calling thread's CPU priority (its nice value) to `nice`: when the cores are all busy, the scheduler runs
 * the process's other threads first. Linux only, where each thread has its own nice value (set through its thread id,
 * /proc/thread-self); elsewhere a priority is the whole process's, and nothing is changed. True when it was set.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.max(getPriority(tid), nice));
    return getPriority(tid) >= nice;
  } catch {
    return false;
  }
}
