/**
 * Crash safety: a station core in a child process takes a stream of commands and is killed with SIGKILL at random
 * moments, many times. After every restart: each acknowledged command is present exactly once, nothing
 * unacknowledged is half-applied (an event is there whole or not at all, seqs have no gaps), the state equals the
 * events, and PRAGMA integrity_check is ok.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { connectKiosk, whenConnected, type WsConstructor } from '../../renderer/transport/ws-client';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, badgeOf, orderDocuments, rosterDocuments, stationConfig, tempDir } from '../../electron/core/testing';
import { startStationProcess } from './station-process';

const M = mo(77, { route: 'R2', quantity: 1_000_000 });
const WO = workOrderIdFor(M.id, 'cutting');
const t = tempDir('qsf-crash-');
afterAll(() => t.cleanup());

describe('station core under kill -9', () => {
  it('keeps every acknowledged command exactly once across random kills', async () => {
    const seed = join(t.dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ documents: [...(await rosterDocuments()), ...orderDocuments([M])] }));
    const dataDir = join(t.dir, 'station');
    const env = { QSF_STATION_ID: 'ST-CUT-1', QSF_DEPARTMENT: 'cutting', QSF_LINE_ID: 'LN-CUT-1', QSF_DATA_DIR: dataDir, QSF_SEED_FILE: seed, QSF_PORT: '0' };
    const rounds = Number(process.env.CRASH_ROUNDS ?? 12);
    // Random kill moments and in-flight depths, reproducible: the seed is printed on failure.
    const plan = fc.sample(fc.record({ killAfterMs: fc.integer({ min: 30, max: 600 }), inFlight: fc.integer({ min: 1, max: 6 }) }), { numRuns: rounds, seed: Number(process.env.CRASH_SEED ?? 4242) });
    const acked = new Map<string, number>(); // eventId -> qty
    const attempted = new Map<string, number>();

    for (const [round, step] of plan.entries()) {
      const proc = await startStationProcess(env);
      const client = connectKiosk(`${proc.url.replace('http', 'ws')}/api`, WebSocket as unknown as WsConstructor, { callTimeoutMs: 5000 });
      await whenConnected(client);
      await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
      let running = true;
      const worker = async () => {
        while (running) {
          const eventId = uuidv7();
          const qty = 1 + (attempted.size % 7);
          attempted.set(eventId, qty);
          try {
            await client.call('action.record', { eventId, action: { type: 'cutting.output', payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: qty } } });
            acked.set(eventId, qty);
          } catch {
            return; // the process died under us: outcome unknown, checked below
          }
        }
      };
      const workers = Array.from({ length: step.inFlight }, worker);
      await new Promise((r) => setTimeout(r, step.killAfterMs));
      proc.child.kill('SIGKILL');
      await proc.exited;
      running = false;
      await Promise.all(workers);
      client.close();
      expect(acked.size, `round ${round}: some commands were acknowledged`).toBeGreaterThan(0);
    }

    const core = await StationCore.open(stationConfig('cutting', dataDir));
    try {
      expect(core.integrityCheck()).toBe('ok');
      const events = await core.eventsAfter(0);
      // Seqs 1..N with no gap and no repeat: nothing half-written, nothing twice.
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const ids = new Set(events.map((e) => e.id));
      expect(ids.size).toBe(events.length);
      for (const id of acked.keys()) expect(ids.has(id), `acknowledged ${id} survived`).toBe(true);
      // Every stored output event is one we attempted, with the quantity we sent (whole, not torn).
      let total = 0;
      for (const e of events) {
        if (e.type !== 'cutting.output') continue;
        const p = e.payload as { goodQty: number };
        expect(attempted.get(e.id)).toBe(p.goodQty);
        total += p.goodQty;
      }
      // The state rebuilt at open equals the events.
      expect(core.state.workOrder[WO]?.stageQty.cut).toBe(total);
      expect(core.lastSequence).toBe(events.length);
    } finally {
      await core.close();
    }
  }, 240_000);
});
