/** Labour time per SPK as the Floor view reads it from the work orders (no database: the documents as they are). */
import { describe, expect, it } from 'vitest';
import { newWorkOrderDoc, type WorkOrderDoc } from '../../shared/docs';
import { fanOut } from '../../shared/master';
import { MAX_SPAN_MS } from '../../shared/rules/labour';
import { mo } from '../../shared/testing/fixtures';
import { labourOf } from './floor-view';

const spks = fanOut(mo(3)).map((wo) => newWorkOrderDoc(wo));
const cut = spks.find((wo) => wo.place === 'cutting') as WorkOrderDoc;
const sew = spks.find((wo) => wo.place === 'sewing') as WorkOrderDoc;
const NOW = Date.UTC(2026, 11, 5, 9);

describe('labour per SPK on the Floor', () => {
  it('closed spans plus running clocks up to now, per operator and in total; SPKs nobody clocked are left out', () => {
    const clocked: WorkOrderDoc = {
      ...sew,
      labour: {
        'OP-B': { state: 'running', runningSince: NOW - 90_000, workedMs: 60_000 },
        'OP-A': { state: 'paused', runningSince: null, workedMs: 1_000 },
        'OP-C': { state: 'finished', runningSince: null, workedMs: 7_000 },
      },
    };
    expect(labourOf([cut, clocked, { ...cut, id: 'MO-2026-0003-PCK', labour: {} }], NOW)).toEqual([
      {
        workOrderId: sew.id,
        place: 'sewing',
        totalMs: 60_000 + 90_000 + 1_000 + 7_000,
        operators: [
          { operatorId: 'OP-A', state: 'paused', workedMs: 1_000 },
          { operatorId: 'OP-B', state: 'running', workedMs: 150_000 },
          { operatorId: 'OP-C', state: 'finished', workedMs: 7_000 },
        ],
      },
    ]);
  });

  it('a clock left running over a weekend counts one long day at most (the shared rule)', () => {
    const [row] = labourOf([{ ...cut, labour: { 'OP-A': { state: 'running', runningSince: NOW - 3 * 24 * 3_600_000, workedMs: 0 } } }], NOW);
    expect(row?.totalMs).toBe(MAX_SPAN_MS);
  });
});
