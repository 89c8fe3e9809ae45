/**
 * An operator's session and running labour clock across a station core killed with SIGKILL (the Electron shell then
 * starts the core again): the core reopened on the same data directory logs the operator in again while they were
 * active within the idle time, and once they were idle longer, pauses their running clock with a timeout logout.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { connectKiosk, whenConnected, type WsConstructor } from '../../renderer/transport/ws-client';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, badgeOf, orderDocuments, rosterDocuments, stationConfig, tempDir } from '../../electron/core/testing';
import { startStationProcess } from './station-process';

const M = mo(78, { route: 'R2', quantity: 100 });
const WO = workOrderIdFor(M.id, 'cutting');
const IDLE = 15 * 60_000; // the station config's default sessionIdleMs, which the child process runs with
const t = tempDir('qsf-session-kill-');
afterAll(() => t.cleanup());

describe('a running labour clock across a station core killed with SIGKILL', () => {
  it('the reopened core logs its operator in again; idle too long, it pauses the clock with a timeout logout', async () => {
    const seed = join(t.dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ documents: [...(await rosterDocuments()), ...orderDocuments([M])] }));
    const dataDir = join(t.dir, 'station');
    const proc = await startStationProcess({ QSF_STATION_ID: 'ST-CUT-1', QSF_DEPARTMENT: 'cutting', QSF_LINE_ID: 'LN-CUT-1', QSF_DATA_DIR: dataDir, QSF_SEED_FILE: seed, QSF_PORT: '0' });
    const client = connectKiosk(`${proc.url.replace('http', 'ws')}/api`, WebSocket as unknown as WsConstructor, { callTimeoutMs: 5000 });
    try {
      await whenConnected(client);
      await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
      await client.call('action.record', { action: { type: 'labour.started', payload: { workOrderId: WO } } });
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
      client.close();
    }

    // Started again at once: the operator is logged in, the clock runs, nothing was recorded at open.
    const core = await StationCore.open(stationConfig('cutting', dataDir));
    const killedAt = core.lastSequence;
    try {
      expect(core.view().operator?.operatorId).toBe('OP-CUT1');
      expect(core.state.workOrder[WO]?.labour?.['OP-CUT1']?.state).toBe('running');
      await new Promise((r) => setTimeout(r, 100));
      expect(core.lastSequence).toBe(killedAt);
    } finally {
      await core.close();
    }

    // Started again after longer than the idle time (the core's clock 16 minutes on): nobody logged in, the clock paused.
    const later = await StationCore.open(stationConfig('cutting', dataDir), { now: () => Date.now() + IDLE + 60_000 });
    try {
      expect(later.view().operator).toBeNull();
      const deadline = Date.now() + 5_000;
      while (later.lastSequence === killedAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await later.eventsAfter(killedAt)).map((e) => ({ type: e.type, operatorId: e.operatorId, payload: e.payload }))).toEqual([
        { type: 'labour.paused', operatorId: 'OP-CUT1', payload: { workOrderId: WO, reason: 'logout' } },
        { type: 'operator.logout', operatorId: 'OP-CUT1', payload: { reason: 'timeout' } },
      ]);
      expect(later.state.workOrder[WO]?.labour?.['OP-CUT1']?.state).toBe('paused');
      expect(later.integrityCheck()).toBe('ok');
    } finally {
      await later.close();
    }
  }, 60_000);
});
