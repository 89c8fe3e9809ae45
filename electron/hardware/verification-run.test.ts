/**
 * One detector's verification run without serial ports: what the bridge records for the pieces a detector reports.
 * The frame-level flow through a real station core is in bridge.test.ts and tests/integration/safety.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, EventOf } from '../../shared/events';
import { DeviceConfig } from '../core/config';
import { DeviceQueue } from './device-queue';
import type { VerificationFrame } from './driver';
import type { RecordOutcome } from './recorder';
import { LineRunHistory, VerificationRun } from './verification-run';

type Payload = EventOf<'md.verification'>['payload'];

const runs: VerificationRun[] = [];
afterEach(() => {
  for (const r of runs.splice(0)) r.interrupt(); // clears a pending timeout
});

function rig(verification: object = {}, outcome: RecordOutcome = 'ok') {
  const parsed = DeviceConfig.parse({ driver: 'framed-detector', deviceId: 'MD01', path: '/dev/x', verification });
  const recorded: Payload[] = [];
  const problems: string[] = [];
  let lot: string | null = 'WO-1';
  const queue = new DeviceQueue((err) => problems.push(String(err)));
  const run = new VerificationRun({
    lineId: 'LN-FIN-1',
    deviceId: 'MD01',
    settings: parsed.verification,
    history: new LineRunHistory(() => lot),
    now: () => Date.UTC(2026, 10, 21, 8),
    record: async (a: Action) => {
      if (a.type === 'md.verification') recorded.push(a.payload);
      return outcome;
    },
    problem: (m) => problems.push(m),
    enqueue: (task) => queue.enqueue(task),
    changed: () => {},
  });
  runs.push(run);
  return { run, recorded, problems, queue, changeLot: (id: string) => (lot = id) };
}

const piece = (metal: VerificationFrame['metal'], extra: Partial<VerificationFrame> = {}): VerificationFrame => ({ kind: 'verification', deviceId: 'MD01', metal, result: 'pass', ...extra });

describe('verification run', () => {
  it('a piece above the 20 mm certified limit does not count; the run waits for a certified one', async () => {
    const r = rig({ requiredMetals: ['fe'] });
    await r.run.piece(piece('fe', { sizeMm: 25, pieceId: 'BALL-25' }));
    expect(r.recorded).toEqual([]);
    expect(r.run.view()).toBeNull();
    expect(r.problems).toEqual(['test piece BALL-25 of 25 mm is not a certified piece (max 20 mm): ignored']);
    await r.run.piece(piece('fe', { sizeMm: 20 }));
    expect(r.recorded).toEqual([
      { lineId: 'LN-FIN-1', deviceId: 'MD01', trigger: 'startup', result: 'pass', requiredMetals: ['fe'], pieces: [{ metal: 'fe', sizeMm: 20, pieceId: 'MD01-fe', detected: true }] },
    ]);
  });

  it('shows the run being collected, and names each trigger: start-up, hourly, new lot, power-on', async () => {
    const r = rig();
    const full = async () => {
      for (const m of ['fe', 'nonfe', 'stainless'] as const) await r.run.piece(piece(m));
    };
    await r.run.piece(piece('nonfe'));
    await r.run.piece(piece('nonfe', { result: 'fail' }));
    expect(r.run.view()).toMatchObject({ metals: ['nonfe'], pieces: 2, startedAt: '2026-11-21T08:00:00.000Z' });
    await r.run.piece(piece('fe'));
    await r.run.piece(piece('stainless'));
    expect(r.recorded.at(-1)).toMatchObject({ trigger: 'startup', result: 'fail' });
    await full();
    expect(r.recorded.at(-1)).toMatchObject({ trigger: 'hourly', result: 'pass' });
    r.changeLot('WO-2');
    await full();
    expect(r.recorded.at(-1)).toMatchObject({ trigger: 'lot_start', result: 'pass' });
    await r.run.piece(piece('fe'));
    await r.run.powerOn();
    expect(r.recorded.at(-1)).toMatchObject({ trigger: 'hourly', result: 'fail' }); // the interrupted run
    await full();
    expect(r.recorded.at(-1)).toMatchObject({ trigger: 'power_on', result: 'pass' });
  });

  it('a run the core did not record keeps the next trigger as it was (power-on stays pending)', async () => {
    const r = rig({ requiredMetals: ['fe'] }, 'refused');
    await r.run.powerOn();
    await r.run.piece(piece('fe'));
    await r.run.piece(piece('fe'));
    expect(r.recorded.map((p) => p.trigger)).toEqual(['power_on', 'power_on']);
  });

  it('stopping records a run still being collected as failed, behind the frames already queued', async () => {
    const r = rig();
    await r.run.piece(piece('fe'));
    r.run.interrupt();
    await r.queue.idle;
    expect(r.recorded).toHaveLength(1);
    expect(r.recorded[0]?.pieces.map((p) => `${p.metal}:${p.pieceId}:${p.detected}`)).toEqual(['fe:MD01-fe:true', 'nonfe:NOT-TESTED-nonfe:false', 'stainless:NOT-TESTED-stainless:false']);
    expect(r.problems).toEqual(['verification run interrupted without nonfe, stainless: recorded as failed']);
  });
});

describe('device queue', () => {
  it('runs tasks one after another; a task that throws is reported and the next one still runs', async () => {
    const failures: unknown[] = [];
    const q = new DeviceQueue((err) => failures.push(err));
    const order: string[] = [];
    void q.enqueue(async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('slow');
    });
    void q.enqueue(async () => {
      throw new Error('disk full');
    });
    void q.enqueue(async () => {
      order.push('next');
    });
    expect(q.backlog).toBe(3);
    await q.idle;
    expect(order).toEqual(['slow', 'next']);
    expect(failures).toEqual([new Error('disk full')]);
    expect(q.backlog).toBe(0);
  });
});
