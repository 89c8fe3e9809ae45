/**
 * Issue 12, "must show": the demo floor walks a Route 1 and a Route 2 order from cutting to completed packing with
 * no restart, driven through the stations' own APIs with the demo's own data (orders, bills of cut parts, roster,
 * printed PINs) and its simulated devices (finishing's metal detector answers the lot-start verification the operator
 * starts, and its passes are what count the pieces through). At the end the server has applied every event: no
 * station holds an unsent event or a refused one, and both packing work orders are closed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { KioskClient } from '../../renderer/transport/ws-client';
import { tempDir } from '../../electron/core/testing';
import type { Action } from '../../shared/events';
import type { RouteId } from '../../shared/master';
import { connectStations, eventually, startDemoFloor } from './demo-floor';

const t = tempDir('qsf-walk-');
const cleanups: (() => unknown)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  t.cleanup();
});

const CHECKLIST = [
  { item: 'previous article removed', ok: true },
  { item: 'previous destination labels removed', ok: true },
];

/** A station of the walk: its client, its line, and the badge of its operator. */
interface Station {
  api: KioskClient;
  lineId: string;
}

async function record(s: Station, action: Action): Promise<void> {
  await s.api.call('action.record', { action });
}

async function view(s: Station) {
  return s.api.call('view.get', {});
}

/** The station's own work order of the demo order on `route` (pulled from the server). */
async function workOrderOf(s: Station, route: RouteId) {
  return eventually(async () => (await view(s)).workOrders.find((w) => w.route === route), `a ${route} work order at ${s.lineId}`);
}

/** QT-09: the sender locks, the receiver sees the transfer arrive by sync and accepts (or is refused). */
async function handOver(from: Station, to: Station, workOrderId: string, qty: number, accept: Record<string, unknown> = {}) {
  const { transferId } = await from.api.call('transfer.create', { workOrderId, quantity: qty });
  await eventually(async () => ((await view(to)).incoming.some((x) => x.id === transferId) ? true : undefined), `transfer ${transferId} at ${to.lineId}`);
  return { transferId, accept: () => to.api.call('transfer.accept', { transferId, countedQty: qty, ...accept }) };
}

/** The refusal code a call failed with ('ok' if it did not). */
async function refusalOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { error?: { refusal?: string; code?: string } }).error?.refusal ?? String(e);
  }
}

describe('the demo floor, walked', () => {
  it('takes a Route 1 and a Route 2 order from cutting to completed packing, through the station APIs, with no restart', async () => {
    // Passes every 20 ms: the detector counts the pieces through at 50 a second.
    const floor = await startDemoFloor({ QSF_FLOOR_DIR: t.dir, QSF_FLOOR_PASS_MS: '20' }, cleanups);
    const clients = await connectStations(floor, cleanups);
    const st = async (id: string, code: string): Promise<Station> => {
      const api = clients.get(id) as KioskClient;
      await eventually(
        () => api.call('session.login', { badge: `B:OP-${code}1`, pin: floor.operatorPin }).then((s) => s, () => undefined),
        `${id} login (roster pulled)`,
      );
      return { api, lineId: (await api.call('view.get', {})).station.lineId };
    };
    const cut = await st('ST-CUT-1', 'CUT');
    const emb = await st('ST-EMB-1', 'EMB');
    const sew = await st('ST-SEW-1', 'SEW');
    const fin = await st('ST-FIN-1', 'FIN');
    const pck = await st('ST-PCK-1', 'PCK');
    const ssccs = new Set<string>();

    for (const route of ['R1', 'R2'] as const) {
      // Cutting (200–293): receive the SPK, cut every part of the article's bill for every toy, hand over.
      const cwo = await workOrderOf(cut, route);
      const qty = cwo.plannedQty;
      await record(cut, { type: 'spk.received', payload: { workOrderId: cwo.id } });
      for (const { part, qtyPerSet } of cwo.cutParts ?? []) {
        await record(cut, { type: 'cutting.output', payload: { workOrderId: cwo.id, lineId: cut.lineId, size: 'M', part, goodQty: qty * qtyPerSet } });
      }
      expect((await workOrderOf(cut, route)).stageQty.cut, `${route}: complete sets cut`).toBe(qty);

      // Route 1 goes through embroidery; Route 2 straight to sewing.
      let toSewing: Awaited<ReturnType<typeof handOver>>;
      if (route === 'R1') {
        const ewo = await workOrderOf(emb, route);
        await (await handOver(cut, emb, cwo.id, qty)).accept();
        await record(emb, { type: 'embroidery.output', payload: { workOrderId: ewo.id, lineId: emb.lineId, goodQty: qty, defectQty: 0 } });
        toSewing = await handOver(emb, sew, ewo.id, qty);
      } else {
        // Step 300 against the bill: the sewing operator counts the parts.
        const parts = (cwo.cutParts ?? []).map(({ part, qtyPerSet }) => ({ part, qty: qty * qtyPerSet }));
        toSewing = await handOver(cut, sew, cwo.id, qty, { partsCounted: parts });
      }

      // Sewing (300–383): a line holding the other article refuses the new one until cleared (step 290).
      const swo = await workOrderOf(sew, route);
      if (route === 'R2') {
        expect(await refusalOf(toSewing.accept())).toBe('line_not_cleared');
        await record(sew, { type: 'line.cleared', payload: { lineId: sew.lineId, step: 290, checklist: CHECKLIST } });
      }
      await toSewing.accept();
      await record(sew, { type: 'sewing.stage', payload: { workOrderId: swo.id, lineId: sew.lineId, stage: 'assembly', goodQty: qty } });
      await record(sew, { type: 'sewing.stage', payload: { workOrderId: swo.id, lineId: sew.lineId, stage: 'labelling', goodQty: qty, destinationLabel: swo.destination } });
      await record(sew, { type: 'sewing.stage', payload: { workOrderId: swo.id, lineId: sew.lineId, stage: 'back_loop', goodQty: qty } });
      await record(sew, { type: 'qc.inline', payload: { workOrderId: swo.id, lineId: sew.lineId, stage: 'back_loop', result: 'pass', qty } });
      const toFinishing = await handOver(sew, fin, swo.id, qty);

      // Finishing (400–450): clear the line of the previous lot (step 380), accept; the new lot needs a verification.
      const fwo = await workOrderOf(fin, route);
      if (route === 'R2') await record(fin, { type: 'line.cleared', payload: { lineId: fin.lineId, step: 380, checklist: CHECKLIST } });
      await toFinishing.accept();
      await record(fin, { type: 'segregation.acknowledged', payload: { lineId: fin.lineId, workOrderId: fwo.id, checklist: CHECKLIST } });
      expect((await view(fin)).line?.verification.status, `${route}: a new lot makes the detector due`).toBe('due');
      const run = await fin.api.call('verification.start', { trigger: 'lot_start' });
      expect(run.testMode).toBe('requested');
      await eventually(async () => ((await view(fin)).line?.verification.status === 'ok' ? true : undefined), `${route}: the lot-start verification`);
      for (const step of ['stuffing', 'closing', 'grooming'] as const) {
        await record(fin, { type: 'finishing.step', payload: { workOrderId: fwo.id, lineId: fin.lineId, step, qty } });
      }
      // Every piece through the detector: the simulated detector's passes count them.
      await eventually(
        async () => ((await workOrderOf(fin, route)).stageQty.metal_detected === qty ? true : undefined),
        `${route}: ${qty} pieces through the detector`,
        30_000,
      );
      await record(fin, { type: 'finishing.physicalQc', payload: { workOrderId: fwo.id, lineId: fin.lineId, result: 'pass', qty } });
      await record(fin, { type: 'fg.converted', payload: { workOrderId: fwo.id, lineId: fin.lineId, qty, fgArticleCode: fwo.articleCode } });
      expect((await view(fin)).holds.filter((h) => h.status === 'open'), `${route}: nothing on hold`).toEqual([]);
      const toPacking = await handOver(fin, pck, fwo.id, qty);

      // Packing (470–580): clear the packing line (step 405), accept, sort, cartons with SSCCs and marks, inspect.
      const pwo = await workOrderOf(pck, route);
      if (route === 'R2') await record(pck, { type: 'line.cleared', payload: { lineId: pck.lineId, step: 405, checklist: CHECKLIST } });
      await toPacking.accept();
      await record(pck, { type: 'packing.sorted', payload: { workOrderId: pwo.id, destination: pwo.destination, shipWeek: pwo.shipWeek, qty } });
      const perCarton = 20;
      for (let packed = 0; packed < qty; packed += perCarton) {
        // Numbered by the packing station from the block the server leased it (issue 12 item 7).
        const { sscc } = await pck.api.call('carton.nextSscc', {});
        expect(sscc.slice(1, 8), 'under the demo floor\'s GS1 company prefix').toBe('8990000');
        expect(ssccs.has(sscc), `${sscc} numbered once`).toBe(false);
        ssccs.add(sscc);
        const n = Math.min(perCarton, qty - packed);
        await record(pck, { type: 'packing.carton', payload: { workOrderId: pwo.id, lineId: pck.lineId, sscc, destination: pwo.destination, shipWeek: pwo.shipWeek, qty: n } });
        await record(pck, { type: 'packing.shippingMark', payload: { workOrderId: pwo.id, sscc } });
      }
      await record(pck, { type: 'packing.finalInspection', payload: { workOrderId: pwo.id, result: 'pass', sampleSize: 13, defectsFound: 0 } });
      // Completion waits until the station has heard that nothing of the order is left upstream.
      await eventually(async () => {
        const code = await refusalOf(record(pck, { type: 'packing.completed', payload: { workOrderId: pwo.id } }));
        if (code === 'pieces_upstream') return undefined;
        expect(code, `${route}: completion`).toBe('ok');
        return true;
      }, `${route}: completion`);
      expect((await workOrderOf(pck, route)).status).toBe('closed');
    }

    // The server applied everything: no station has an unsent or a refused event, and it agrees both orders closed.
    for (const s of [cut, emb, sew, fin, pck]) {
      await eventually(async () => ((await view(s)).pendingEvents === 0 ? true : undefined), `${s.lineId} has sent everything`, 30_000);
      expect((await view(s)).refused, `${s.lineId}: refused by the server`).toEqual([]);
      expect((await view(s)).conflicts, `${s.lineId}: conflicts`).toEqual([]);
    }
    for (const route of ['R1', 'R2'] as const) {
      expect((await workOrderOf(pck, route)).status, `${route}: closed after the server's answer`).toBe('closed');
    }
    const metrics = await (await fetch(`${floor.server}/metrics`)).text();
    expect(Number(/qsf_events_applied_total (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(200);
    expect(floor.child.exitCode, 'no restart').toBeNull();
  }, 300_000);
});
