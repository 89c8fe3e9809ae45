/**
 * A station whose last logged events carry clock stamps this version cannot read (a newer version wrote them, then the
 * station was rolled back; or a damaged row) still opens, and stamps its new events above everything it stamped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { openStationDb } from '../store/station-db';
import { StationCore } from './station-core';
import { TEST_PIN, badgeOf, rosterDocuments, stationConfig, tempDir } from './testing';

const cleanups: (() => unknown)[] = [];
let n = 1;
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a station whose last events carry unreadable clock stamps', () => {
  it.each([
    ['a newer format that starts with its wall time (an hour ahead)', (wall: number) => `${String(wall).padStart(13, '0')}-0000001-ST-CUT-1`],
    ['garbage', () => 'not a clock'],
  ])('opens and stamps new events above every stamp it issued: %s', async (_, stamp) => {
    const t = tempDir('qsf-hlc-resume-');
    cleanups.push(t.cleanup);
    const config = stationConfig('cutting', t.dir, { stationId: `ST-CUT-${n}`, lineId: `LN-CUT-${n}` });
    n++;
    const core = await StationCore.open(config);
    try {
      await core.seedDocuments(await rosterDocuments());
      await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
      expect(core.lastSequence).toBeGreaterThan(0);
    } finally {
      await core.close();
    }

    const ahead = Date.now() + 3_600_000;
    const opened = await openStationDb({ dataDir: t.dir, stationId: config.stationId, devMode: false });
    const readable = (await opened.rx.events.findOne({ selector: {}, sort: [{ seq: 'desc' }] }).exec())?.hlc;
    const seq = (await opened.rx.events.count().exec()) + 1;
    const odd = { id: uuidv7(), stationId: config.stationId, seq, hlc: stamp(ahead), operatorId: 'OP-CUT1', type: 'operator.logout', payload: { reason: 'manual' }, v: 1 };
    await opened.rx.events.insert(odd as unknown as FloorEvent);
    await opened.rx.close();
    expect(readable).toBeDefined();

    const again = await StationCore.open(config);
    cleanups.push(() => again.close());
    expect(again.lastSequence).toBe(seq);
    await again.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const [newest] = await again.eventsAfter(seq, 1);
    expect(newest).toBeDefined();
    expect(newest!.hlc > readable!).toBe(true);
    if (/^\d{13}-/.test(odd.hlc)) expect(Number(newest!.hlc.slice(0, 13))).toBeGreaterThan(ahead);
  });
});
