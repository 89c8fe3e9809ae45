/**
 * A station's disk full (issue 16, faults): the station's data directory on a small filesystem of its own (a tmpfs
 * of a few MB, mounted by the test; needs root, skipped with a line saying so elsewhere). The operator records until
 * the disk is full: the command that cannot be written fails with a clear error and records nothing, the station
 * keeps running, everything it acknowledged is still there, and work resumes once space returns, across a restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { CommandFailure, type StationCore } from '../../electron/core/station-core';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../../electron/core/testing';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A tmpfs of `sizeMb` at a fresh folder, or null where this process may not mount (not root, no CAP_SYS_ADMIN). */
function smallDisk(sizeMb: number): string | null {
  const t = tempDir('qsf-diskfull-');
  const mnt = join(t.dir, 'disk');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', mnt], { stdio: 'pipe' });
  } catch {
    t.cleanup();
    return null;
  }
  cleanups.push(t.cleanup, () => execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }));
  return mnt;
}

const DISK = smallDisk(24);
if (!DISK) console.log('SKIP disk-full: cannot mount a small filesystem here (needs root)');

describe.skipIf(!DISK)('station disk full', () => {
  it('a write that does not fit fails clearly and records nothing; what was acknowledged stays; work resumes when space returns', async () => {
    const disk = DISK as string;
    const M = mo(5, { route: 'R2', quantity: 1_000_000 });
    const WO = workOrderIdFor(M.id, 'cutting');
    const dataDir = join(disk, 'station');
    let core: StationCore = await openTestStation('cutting', dataDir, [M]);
    cleanups.push(() => core.close());
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const cut = () => core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } } });

    // Most of the disk taken by something else (a log gone wild); then the operator keeps recording.
    const filler = join(disk, 'filler');
    let free = Number(execFileSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).trim().split('\n')[1]);
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - 64 * 1024)));
    let acknowledged = 0;
    let failure: unknown = null;
    for (let i = 0; i < 100_000 && failure === null; i++) {
      try {
        await cut();
        acknowledged++;
      } catch (err) {
        failure = err;
      }
    }
    expect(failure, 'the disk filled up').not.toBeNull();
    // A command failure the screen shows as it is (not the kiosk's "could not complete" for an unexpected error),
    // in the operator's language; nothing of it recorded.
    expect(failure).toBeInstanceOf(CommandFailure);
    const error = (failure as CommandFailure).error;
    expect(error.message).toMatch(/disk is full/i);
    expect(error.text?.en).toMatch(/disk .* full/i);
    expect(error.text?.id).toMatch(/disk .* penuh/i);
    expect(core.state.workOrder[WO]?.stageQty.cut).toBe(acknowledged);
    expect(core.lastSequence).toBe(acknowledged + 1); // + the login
    // Still full: still refused, still nothing recorded; the station itself keeps answering.
    await expect(cut()).rejects.toThrow(/disk is full|no space/i);
    expect(core.view().workOrders.find((w) => w.id === WO)?.stageQty.cut).toBe(acknowledged);

    // Space returns: work resumes at once, and everything acknowledged survives a restart.
    rmSync(filler);
    await cut();
    await core.close();
    core = await openTestStation('cutting', dataDir, [M]);
    expect(core.state.workOrder[WO]?.stageQty.cut).toBe(acknowledged + 1);
    expect(core.lastSequence).toBe(acknowledged + 2);
    free = Number(execFileSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).trim().split('\n')[1]);
    expect(free).toBeGreaterThan(0);
  }, 180_000);
});
