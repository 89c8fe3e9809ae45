/**
 * worker-thread.ts: a worker thread lowers its own CPU priority, not its process's (Linux: a nice value per thread).
 */
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lowerThreadPriority } from './worker-thread';

const Reported = z.object({ lowered: z.boolean(), again: z.boolean(), own: z.number(), tid: z.number() });

describe('lowerThreadPriority', () => {
  it.runIf(process.platform === 'linux')("sets the calling thread's nice value and leaves the other threads'", async () => {
    const before = getPriority(process.pid);
    const url = new URL('./worker-thread.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    // In a worker (as views-worker.ts does): it reports its own thread's priority, read by its thread id.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       const { getPriority } = require('node:os');
       import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)})).then((m) => {
         const lowered = m.lowerThreadPriority(10);
         // Asked for less than it has now: left as it is, never raised.
         const again = m.lowerThreadPriority(5);
         const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
         parentPort.postMessage({ lowered, again, own: getPriority(tid), tid });
       });`,
      { eval: true },
    );
    const reported = Reported.parse(await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject)));
    await worker.terminate();
    expect(reported.lowered).toBe(true);
    expect(reported.again).toBe(true);
    expect(reported.own).toBe(Math.max(10, before));
    expect(reported.tid).not.toBe(process.pid);
    // This (the main) thread, which is the process's id: as it was.
    expect(getPriority(process.pid)).toBe(before);
  });

  it.runIf(process.platform !== 'linux')('elsewhere changes nothing (a priority there is the whole process\'s)', () => {
    const before = getPriority(process.pid);
    expect(lowerThreadPriority(10)).toBe(false);
    expect(getPriority(process.pid)).toBe(before);
  });
});
