import { afterEach, describe, expect, it } from 'vitest';
import { newWorkOrderDoc } from '../../shared/docs';
import type { SyncStatus } from '../../shared/api';
import { openTestStation, tempDir } from './testing';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WO = newWorkOrderDoc({ id: 'WO-2026-0001-CUT', moId: 'MO-2026-0001', place: 'cutting', articleCode: 'ART-1', route: 'R2', destination: 'DE-DC1', shipWeek: '2026-W50', plannedQty: 50 });
const pulled = (body: Record<string, unknown>) => ({ key: `workOrder:${WO.id}`, kind: 'workOrder', id: WO.id, body });

describe('pulled documents are parsed at the boundary', () => {
  it('a document whose body does not parse is reported and kept out of the state; the last good version stays', async () => {
    const t = tempDir();
    const logged: { msg: string; extra: Record<string, unknown> }[] = [];
    const core = await openTestStation('cutting', t.dir, [], { log: (msg, extra) => logged.push({ msg, extra }) });
    cleanups.push(t.cleanup, () => core.close());
    const statuses: SyncStatus[] = [];
    core.subscribe('sync', (s) => statuses.push(s));

    await core.documentsChanged([pulled({ ...WO, plannedQty: 'fifty' })]);
    expect(core.state.workOrder[WO.id]).toBeUndefined();
    expect(statuses.at(-1)?.untrustedDocuments).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.extra).toMatchObject({ document: `workOrder:${WO.id}` });
    expect(String(logged[0]?.extra.reason)).toMatch(/plannedQty/);

    await core.documentsChanged([pulled({ ...WO })]);
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);
    expect(statuses.at(-1)?.untrustedDocuments).toBeUndefined();

    // A later version that does not parse (a body under another id) does not replace the trusted one.
    await core.documentsChanged([pulled({ ...WO, id: 'WO-2026-0002-CUT', plannedQty: 70 })]);
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);
    expect(core.state.workOrder['WO-2026-0002-CUT']).toBeUndefined();
    expect(statuses.at(-1)?.untrustedDocuments).toBe(1);
  });

  it('a station progress that does not parse does not move what the station counts as applied', async () => {
    const t = tempDir();
    const core = await openTestStation('cutting', t.dir, [], { log: () => undefined });
    cleanups.push(t.cleanup, () => core.close());
    await core.documentsChanged([{ key: 'stationProgress:ST-CUT-1', kind: 'stationProgress', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', lastAppliedSeq: '99' } }]);
    const statuses: SyncStatus[] = [];
    core.subscribe('sync', (s) => statuses.push(s));
    expect(statuses[0]?.untrustedDocuments).toBe(1);
    expect(core.view().pendingEvents).toBe(0);
  });
});
