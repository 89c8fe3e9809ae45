/** QT-09 conservation, checked over a whole floor's documents (the server's, or a model of them) in tests. */
import { expect } from 'vitest';
import type { FloorState, TransferDoc } from '../docs';

/** Every work order's sent and received quantities equal what its transfers account for; nothing accepted unlocked. */
export function expectConserved(state: Pick<FloorState, 'workOrder' | 'transfer'>): void {
  const transfers = Object.values(state.transfer);
  // Documents from before `senderDebited` existed: the sender was debited exactly when its LOCK event was applied.
  const debited = (t: TransferDoc) => t.senderDebited ?? t.createdEventId !== null;
  for (const wo of Object.values(state.workOrder)) {
    const out = transfers.filter((t) => t.workOrderId === wo.id && debited(t));
    expect(wo.sentQty, `${wo.id} sentQty`).toBe(out.reduce((n, t) => n + t.quantity, 0));
    const into = transfers.filter((t) => t.toWorkOrderId === wo.id && (t.status === 'accepted' || t.status === 'discrepancy'));
    expect(wo.receivedQty, `${wo.id} receivedQty`).toBe(into.reduce((n, t) => n + (t.countedQty ?? 0), 0));
  }
  for (const t of transfers) {
    if (t.status === 'accepted' || t.status === 'discrepancy') {
      expect(debited(t), `${t.id} accepted without its LOCK`).toBe(true);
      expect(t.countedQty ?? 0).toBeLessThanOrEqual(t.quantity);
    }
  }
}

