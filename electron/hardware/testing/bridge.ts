/**
 * Test and bench helpers for the hardware bridge: a finishing station core on a temp directory with a finishing work
 * order on its line (seeded as pulled documents: pieces received and groomed, so `md.pass` is allowed), and small
 * waiting helpers.
 */
import { newLineDoc, type LineDoc, type WorkOrderDoc } from '../../../shared/docs';
import type { FloorEvent } from '../../../shared/events';
import { workOrderIdFor } from '../../../shared/master';
import { mo } from '../../../shared/testing/fixtures';
import type { StationCore, StationCoreOptions } from '../../core/station-core';
import { openTestStation } from '../../core/testing';

export const FIN_LINE = 'LN-FIN-1';

export interface FinishingStation {
  core: StationCore;
  workOrderId: string;
  /** Every event the core committed, in commit order. */
  events: FloorEvent[];
}

/** A finishing station whose line holds a work order with `qty` pieces groomed and ready for the detector. */
export async function openFinishingStation(dataDir: string, qty = 1000, options: StationCoreOptions = {}): Promise<FinishingStation> {
  const order = mo(1, { quantity: qty });
  const core = await openTestStation('finishing', dataDir, [order], options);
  const workOrderId = workOrderIdFor(order.id, 'finishing');
  const wo = core.state.workOrder[workOrderId];
  if (!wo) throw new Error(`fixture: ${workOrderId} was not seeded`);
  const ready: WorkOrderDoc = { ...wo, status: 'received', receivedQty: qty, stageQty: { stuffing: qty, closing: qty, grooming: qty } };
  const line: LineDoc = { ...newLineDoc(FIN_LINE, 'finishing'), occupant: { articleCode: wo.articleCode, destination: wo.destination, workOrderId } };
  await core.seedDocuments([
    { kind: 'workOrder', id: workOrderId, body: { ...ready } },
    { kind: 'line', id: FIN_LINE, body: { ...line } },
  ]);
  const events: FloorEvent[] = [];
  core.onCommit((e) => events.push(e));
  return { core, workOrderId, events };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Deterministic pseudo-random integers (mulberry32), so a failing split can be replayed from its seed. */
export function seededRandom(seed: number): (maxExclusive: number) => number {
  let a = seed >>> 0;
  return (max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
  };
}
