import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceFrame, Driver } from './driver';
import { createFramedDetector } from './framed-detector';
import { createLineDetector } from './line-detector';
import { DeviceConnection, findDevicePath } from './ports';
import { createScanner } from './scanner';
import {
  FramedDetectorSimulator,
  encodeLine,
  encodeScan,
  garbage,
  openPortSink,
  openPtyPair,
  socatAvailable,
  type ByteSink,
  type PtyPair,
} from './simulator';

/*
 * Every driver through a real pty pair (socat) with the real serialport binding: what the station does with a
 * detector on a USB-serial cable, minus the cable. CI installs socat; without it these tests are skipped, loudly.
 */

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('pty tests SKIPPED: socat is not installed (apt-get install socat)');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await sleep(5);
  }
}

interface Rig<F extends DeviceFrame> {
  pair: PtyPair;
  conn: DeviceConnection<F>;
  sink: ByteSink;
  frames: F[];
}

describe.skipIf(!hasSocat)('drivers through a real pty pair', () => {
  let dir = '';
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quty-pty-'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function rig<F extends DeviceFrame>(name: string, driver: Driver<F>): Promise<Rig<F>> {
    const link = join(dir, name);
    const pair = await openPtyPair({ linkA: link });
    cleanups.push(() => pair.close());
    const conn = new DeviceConnection({ name, locator: { path: link }, driver, backoff: { initialMs: 20, maxMs: 100 } });
    cleanups.push(() => conn.stop());
    const frames: F[] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.start();
    await until(() => conn.connected);
    const sink = await openPortSink(pair.b);
    cleanups.push(() => sink.close());
    return { pair, conn, sink, frames };
  }

  /** Writes `bytes` split in two at every position, each half its own write, and returns what arrived. */
  async function splitEverywhere<F extends DeviceFrame>(r: Rig<F>, make: (i: number) => Uint8Array, perMessage: number): Promise<void> {
    let bytes = make(1);
    const n = bytes.length;
    for (let i = 1; i < n; i++) {
      if (i > 1) bytes = make(i);
      await r.sink.write(bytes.subarray(0, i));
      await sleep(3);
      await r.sink.write(bytes.subarray(i));
    }
    await until(() => r.frames.length >= (n - 1) * perMessage);
    await sleep(30);
  }

  it('line detector: frames split at every byte position, all terminators, garbage', async () => {
    const r = await rig('line-md', createLineDetector());
    await splitEverywhere(r, () => encodeLine({ kind: 'detection', metal: 'fe' }, { time: '2026-11-21T10:00:00' }), 1);
    const n = encodeLine({ kind: 'detection', metal: 'fe' }, { time: '2026-11-21T10:00:00' }).length;
    expect(r.frames).toHaveLength(n - 1);
    expect(new Set(r.frames.map((f) => JSON.stringify(f)))).toEqual(
      new Set([JSON.stringify({ kind: 'detection', metal: 'fe', deviceId: 'MD01', deviceTime: '2026-11-21T10:00:00' })]),
    );
    r.frames.length = 0;
    for (const terminator of ['CR', 'LF', 'CRLF'] as const) await r.sink.write(encodeLine({ kind: 'pass' }, { terminator }));
    await r.sink.write(Buffer.from('MD01,VERIFY,SS,1.5,TP-SS,PASS\r'));
    await sleep(5);
    await r.sink.write(Buffer.from('\n'));
    await until(() => r.frames.length >= 4);
    await r.sink.write(Buffer.from('MD01,FA\x07IL,FE\r\n'));
    await until(() => r.frames.length >= 5);
    expect(r.frames.map((f) => f.kind)).toEqual(['pass', 'pass', 'pass', 'verification', 'error']);
    expect(r.conn.health().driver.errors).toBe(1);
  });

  it('framed detector: split frames, duplicates, wrap-around, garbage, bad checksum', async () => {
    const r = await rig('framed-md', createFramedDetector());
    const sim = new FramedDetectorSimulator('MD02', () => '2026-11-21T10:00:00');
    await splitEverywhere(r, () => sim.encode({ kind: 'pass' }), 1);
    const count = r.frames.length;
    expect(r.frames.every((f) => f.kind === 'pass')).toBe(true);
    expect(r.frames.map((f) => (f.kind === 'pass' ? f.messageNo : -1))).toEqual([...Array(count).keys()]);
    r.frames.length = 0;

    sim.jumpTo(9998);
    const det = sim.encode({ kind: 'detection', metal: 'stainless' });
    const corrupt = Uint8Array.from(sim.encode({ kind: 'detection', metal: 'fe' }));
    corrupt[8] = (corrupt[8] as number) ^ 0x20; // 9999's frame garbled on the wire
    await r.sink.write(det);
    await r.sink.write(det); // retransmission: duplicate
    await r.sink.write(garbage(50, 3).filter((b) => b !== 0x02));
    await r.sink.write(corrupt);
    await r.sink.write(sim.encode({ kind: 'pass' })); // 0000 after the wrap
    await until(() => r.frames.some((f) => f.kind === 'pass'));
    await sleep(30);
    const kinds = r.frames.filter((f) => f.kind !== 'error').map((f) => `${f.kind}:${'messageNo' in f ? f.messageNo : f.kind === 'gap' ? f.missed : ''}`);
    // jumpTo(9998) itself is a gap (48 -> 9998), then the garbled 9999 is missing before 0000.
    expect(kinds).toEqual([`gap:${9998 - count}`, 'detection:9998', 'gap:1', 'pass:0']);
    expect(r.frames.some((f) => f.kind === 'detection' && f.metal === 'fe')).toBe(false);
    expect(r.conn.health().driver.duplicates).toBe(1);
    expect(r.conn.health().errors).toBeGreaterThanOrEqual(2);
  });

  it('scanner: CR, LF, CRLF (split), AIM prefix, GS, split at every byte position', async () => {
    const r = await rig('scanner', createScanner());
    const data = '00376104250021234569\x1d10LOT42';
    await splitEverywhere(r, () => encodeScan({ symbology: ']C1', data }, 'CRLF'), 1);
    expect(r.frames.every((f) => f.kind === 'scan' && f.symbology === ']C1' && f.data === data)).toBe(true);
    r.frames.length = 0;
    await r.sink.write(encodeScan({ symbology: null, data: 'BADGE-1' }, 'CR'));
    await r.sink.write(encodeScan({ symbology: ']E0', data: '4006381333931' }, 'LF'));
    await r.sink.write(Buffer.from('SPK-000777\r'));
    await sleep(5);
    await r.sink.write(Buffer.from('\n'));
    await until(() => r.frames.length >= 3);
    await sleep(30);
    expect(r.frames).toEqual([
      { kind: 'scan', symbology: null, data: 'BADGE-1' },
      { kind: 'scan', symbology: ']E0', data: '4006381333931' },
      { kind: 'scan', symbology: null, data: 'SPK-000777' },
    ]);
  });

  it('unplug (socat killed) is detected and the port is reopened by its stable link after replug', async () => {
    const r = await rig('replug-md', createFramedDetector());
    const link = r.pair.linkA as string;
    const sim = new FramedDetectorSimulator('MD02', () => '2026-11-21T10:00:00');
    await r.sink.write(sim.encode({ kind: 'pass' }));
    await until(() => r.frames.length === 1);
    const disconnected: string[] = [];
    r.conn.on('disconnected', (why) => disconnected.push(why));

    // Half a frame, then the cable is pulled.
    await r.sink.write(sim.encode({ kind: 'detection', metal: 'fe' }).subarray(0, 10));
    await sleep(20);
    await r.sink.close();
    await r.pair.close('SIGKILL'); // SIGKILL: socat cannot tidy up, the link is left dangling
    await until(() => !r.conn.connected);
    expect(disconnected).toHaveLength(1);
    await sleep(150);
    expect(r.conn.health().failedOpens).toBeGreaterThan(0);

    // Plugged back in: a new pty behind the same link (its /dev/pts number may differ; the kernel may also reuse it).
    rmSync(link, { force: true });
    const pair2 = await openPtyPair({ linkA: link });
    cleanups.push(() => pair2.close());
    await until(() => r.conn.connected);
    const sink2 = await openPortSink(pair2.b);
    cleanups.push(() => sink2.close());
    await sink2.write(sim.encode({ kind: 'detection', metal: 'nonfe' }));
    await until(() => r.frames.length >= 2);
    await sleep(20);
    // The half frame from before the unplug is never completed into an event; the lost message shows as a gap.
    expect(r.frames.filter((f) => f.kind !== 'error').map((f) => f.kind)).toEqual(['pass', 'gap', 'detection']);
    expect(r.frames.find((f) => f.kind === 'detection')).toMatchObject({ metal: 'nonfe', messageNo: 2 });
    expect(r.conn.health()).toMatchObject({ connected: true, reconnects: 1 });
  });

  it('SerialPort.list() on this machine never rejects through findDevicePath (udevadm may be missing)', async () => {
    const found = await findDevicePath({ vendorId: 'ffff', productId: 'fffe', path: '/dev/null-md' });
    expect(found.path).toBe('/dev/null-md');
    expect(found.listError === null || /listing failed/.test(found.listError)).toBe(true);
  });
});
