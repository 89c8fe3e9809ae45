/**
 * A lock taker for tests/integration/one-writer.test.ts: prints READY once loaded, reads a start time (ms) on stdin,
 * spins until then (so racers hit the lock together), then takes the directory and prints WON (and holds it until
 * stdin closes or it is killed) or REFUSED <message> (exit 3). With a pause (ms), it waits that long between judging
 * a lock stale and taking it over, so every racer sees the stale lock before anyone replaces it.
 *   node --import tsx tests/integration/one-writer-taker.ts <dir> [pauseMs]
 */
import { createInterface } from 'node:readline';
import { DirInUseError, lockDir } from '../../shared/node/dir-lock';

const dir = process.argv[2];
if (!dir) throw new Error('usage: one-writer-taker.ts <dir> [pauseMs]');
const pauseMs = Number(process.argv[3] ?? 0);
const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
const lines = createInterface({ input: process.stdin });
process.stdout.write('READY\n');
lines.once('line', (line) => {
  const startAt = Number(line);
  while (Date.now() < startAt) {
    // spin: a timer would wake each racer at a different moment
  }
  try {
    lockDir(dir, { purpose: `taker ${process.pid}`, ...(pauseMs > 0 ? { onStale: pause } : {}) });
    process.stdout.write('WON\n');
    lines.once('close', () => process.exit(0));
  } catch (err) {
    if (!(err instanceof DirInUseError)) throw err;
    process.stdout.write(`REFUSED ${err.message}\n`);
    process.exit(3);
  }
});
