import { afterEach, describe, expect, it } from 'vitest';
import { newWorkOrderDoc } from '../../shared/docs';
import type { SyncStatus } from '../../shared/api';
import { PULL_WRITE_CONTEXT } from './pulled-documents';
import { openTestStation, tempDir } from './testing';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const WO = newWorkOrderDoc({ id: 'WO-2026-0001-CUT', moId: 'MO-2026-0001', place: 'cutting', articleCode: 'ART-1', route: 'R2', destination: 'DE-DC1', shipWeek: '2026-W50', plannedQty: 50 });
const pulled = (body: Record<string, unknown>) => ({ key: `workOrder:${WO.id}`, kind: 'workOrder', id: WO.id, body, _deleted: false });

describe('pulled documents are parsed at the boundary', () => {
  it('a document whose body does not parse is reported and kept out of the state; the last good version stays', async () => {
    const t = tempDir();
    const logged: { msg: string; extra: Record<string, unknown> }[] = [];
    const core = await openTestStation('cutting', t.dir, [], { log: (msg, extra) => logged.push({ msg, extra }) });
    cleanups.push(t.cleanup, () => core.close());
    const statuses: SyncStatus[] = [];
    core.subscribe('sync', (s) => statuses.push(s));

    await core.applyPulled({ documents: [pulled({ ...WO, plannedQty: 'fifty' })] });
    expect(core.state.workOrder[WO.id]).toBeUndefined();
    expect(statuses.at(-1)?.untrustedDocuments).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.extra).toMatchObject({ document: `workOrder:${WO.id}` });
    expect(String(logged[0]?.extra.reason)).toMatch(/plannedQty/);

    await core.applyPulled({ documents: [pulled({ ...WO })] });
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);
    expect(statuses.at(-1)?.untrustedDocuments).toBeUndefined();

    // A later version that does not parse (a body under another id) does not replace the trusted one.
    await core.applyPulled({ documents: [pulled({ ...WO, id: 'WO-2026-0002-CUT', plannedQty: 70 })] });
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);
    expect(core.state.workOrder['WO-2026-0002-CUT']).toBeUndefined();
    expect(statuses.at(-1)?.untrustedDocuments).toBe(1);
  });

  it('a station progress that does not parse does not move what the station counts as applied', async () => {
    const t = tempDir();
    const core = await openTestStation('cutting', t.dir, [], { log: () => undefined });
    cleanups.push(t.cleanup, () => core.close());
    await core.applyPulled({ documents: [{ key: 'stationProgress:ST-CUT-1', kind: 'stationProgress', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', lastAppliedSeq: '99' }, _deleted: false }] });
    const statuses: SyncStatus[] = [];
    core.subscribe('sync', (s) => statuses.push(s));
    expect(statuses[0]?.untrustedDocuments).toBe(1);
    expect(core.view().pendingEvents).toBe(0);
  });
});

describe('pulled documents are written by the core', () => {
  const wo = (plannedQty: number, deleted = false) => ({ ...pulled({ ...WO, plannedQty }), _deleted: deleted });
  const progress = (lastAppliedSeq: number) => ({
    key: 'stationProgress:ST-CUT-1',
    kind: 'stationProgress',
    id: 'ST-CUT-1',
    body: { stationId: 'ST-CUT-1', lastAppliedSeq },
    _deleted: false,
  });

  async function stationWatchingWrites() {
    const t = tempDir();
    const core = await openTestStation('cutting', t.dir, [], { log: () => undefined });
    cleanups.push(t.cleanup, () => core.close());
    const documents = core.replicationCollections().documents;
    /** One entry per storage write: its context and the keys it wrote. */
    const writes: { context: string; keys: string[] }[] = [];
    const sub = documents.storageInstance.changeStream().subscribe((bulk) => writes.push({ context: bulk.context, keys: bulk.events.map((e) => e.documentId) }));
    cleanups.push(() => sub.unsubscribe());
    const stored = async (key: string) => (await documents.storageInstance.findDocumentsById([key], true))[0];
    return { t, core, writes, stored };
  }

  it('one pull is one write of what is not stored as pulled yet; the same documents again write nothing', async () => {
    const { core, writes, stored } = await stationWatchingWrites();
    await core.applyPulled({ documents: [wo(50), progress(0)] });
    expect(writes).toEqual([{ context: PULL_WRITE_CONTEXT, keys: [`workOrder:${WO.id}`, 'stationProgress:ST-CUT-1'] }]);
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);

    await core.applyPulled({ documents: [wo(50), progress(0)] });
    expect(writes).toHaveLength(1);

    await core.applyPulled({ documents: [wo(60), progress(0)] });
    expect(writes.slice(1)).toEqual([{ context: PULL_WRITE_CONTEXT, keys: [`workOrder:${WO.id}`] }]);
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(60);
    expect((await stored(`workOrder:${WO.id}`))?.body).toMatchObject({ plannedQty: 60 });
  });

  it('a deleted document is stored as a tombstone as pulled and leaves local state', async () => {
    const { core, writes, stored } = await stationWatchingWrites();
    await core.applyPulled({ documents: [wo(50)] });
    await core.applyPulled({ documents: [{ ...wo(50, true), body: {} }] });
    expect(writes.map((w) => w.keys)).toEqual([[`workOrder:${WO.id}`], [`workOrder:${WO.id}`]]);
    expect(core.state.workOrder[WO.id]).toBeUndefined();
    expect(await stored(`workOrder:${WO.id}`)).toMatchObject({ key: `workOrder:${WO.id}`, body: {}, _deleted: true });
    // A deletion of a document this station never had is stored too (so the replication finds it as pulled; the
    // storage emits no change for a tombstone without a previous version), once.
    const gone = { key: 'workOrder:WO-X', kind: 'workOrder', id: 'WO-X', body: {}, _deleted: true };
    await core.applyPulled({ documents: [gone] });
    const tombstone = await stored('workOrder:WO-X');
    expect(tombstone).toMatchObject({ _deleted: true, body: {} });
    await core.applyPulled({ documents: [gone] });
    expect((await stored('workOrder:WO-X'))?._rev).toBe(tombstone?._rev);
    expect(writes).toHaveLength(2);
  });

  it('a held part is neither on disk nor in local state until the part that reaches the head; then the whole cycle is one write', async () => {
    const { t, core, writes, stored } = await stationWatchingWrites();
    expect(await core.applyPulled({ documents: [wo(50)], hold: true, cycleStart: true })).toBe(false);
    expect(writes).toHaveLength(0);
    expect(await stored(`workOrder:${WO.id}`)).toBeUndefined();
    expect(core.state.workOrder[WO.id]).toBeUndefined();
    await core.applyPulled({ documents: [progress(0)] });
    expect(writes).toEqual([{ context: PULL_WRITE_CONTEXT, keys: [`workOrder:${WO.id}`, 'stationProgress:ST-CUT-1'] }]);
    expect(core.state.workOrder[WO.id]?.plannedQty).toBe(50);

    await core.close();
    const again = await openTestStation('cutting', t.dir, [], { log: () => undefined });
    cleanups.push(() => again.close());
    expect(again.state.workOrder[WO.id]?.plannedQty).toBe(50);
  });

  it('a station closed after a held part reopens without it; a new cycle drops the parts of one never finished', async () => {
    const { t, core, writes } = await stationWatchingWrites();
    await core.applyPulled({ documents: [wo(50), progress(0)], cycleStart: true });
    await core.applyPulled({ documents: [wo(60)], hold: true, cycleStart: true });
    await core.close();
    const again = await openTestStation('cutting', t.dir, [], { log: () => undefined });
    cleanups.push(() => again.close());
    expect(again.state.workOrder[WO.id]?.plannedQty).toBe(50);
    expect(writes).toHaveLength(1);

    // Held, then the cycle starts again (a sync stopped and started): the old part is not written with the new cycle.
    await again.applyPulled({ documents: [wo(70)], hold: true, cycleStart: true });
    await again.applyPulled({ documents: [progress(0)], cycleStart: true });
    expect(again.state.workOrder[WO.id]?.plannedQty).toBe(50);
    const documents = again.replicationCollections().documents;
    expect((await documents.storageInstance.findDocumentsById([`workOrder:${WO.id}`], true))[0]?.body).toMatchObject({ plannedQty: 50 });
  });

  it('a closed core writes nothing', async () => {
    const { core, writes } = await stationWatchingWrites();
    await core.close();
    await expect(core.applyPulled({ documents: [wo(50)] })).rejects.toThrow(/closed/);
    expect(writes).toHaveLength(0);
  });
});
