/**
 * One of our modules started in a worker thread: `name` (without extension) beside `from` (the caller's
 * import.meta.url). From TypeScript sources (tsx, vitest) the worker loads it through tsx's loader (a worker does not
 * inherit the parent's); a build (.js) starts the built module itself.
 */
import { Worker } from 'node:worker_threads';

export function startModuleWorker(from: string, name: string, workerData: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`${name}.js`, from), { workerData });
  const entry = new URL(`${name}.ts`, from).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(boot, { eval: true, workerData });
}
