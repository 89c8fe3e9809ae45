/**
 * Labour time per SPK and operator (issue 13: "start / pause / finish timing per SPK and operator; labour time reaches
 * the server"). The logged-in operator's clock on a work order of the station's department: started, paused (with a
 * reason), started again, finished. Time is the events' own wall clock (their HLC), so the station and the server
 * add up the same spans; a span is counted from its start to its pause or finish, never negative, and at most
 * MAX_SPAN_MS (a clock left running over a weekend counts one long day, not three: a supervisor reviews it).
 * The clock lives on the work order (`labour[operatorId]`), which the server keeps and the dashboard reads.
 */
import type { LabourClock, WorkOrderDoc } from '../docs';
import type { Department } from '../master';
import { eventWallMs, type EventOf } from '../events';
import { refuse, type Tx } from './tx';

/** The longest span one start counts (16 h: two shifts). */
export const MAX_SPAN_MS = 16 * 60 * 60 * 1000;

type LabourEvent = EventOf<'labour.started'> | EventOf<'labour.paused'> | EventOf<'labour.finished'>;

/** The event's operator and their clock on the work order (a fresh one if they never started it). */
function clockOf(tx: Tx, e: LabourEvent): { wo: WorkOrderDoc; operatorId: string; clock: LabourClock } {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  // decide() has already refused an event without a logged-in operator (labour events are not device events).
  const operatorId = e.operatorId ?? '';
  return { wo, operatorId, clock: wo.labour?.[operatorId] ?? { state: 'finished', runningSince: null, workedMs: 0 } };
}

function put(tx: Tx, wo: WorkOrderDoc, operatorId: string, clock: LabourClock): void {
  tx.put({ ...wo, labour: { ...wo.labour, [operatorId]: clock } });
}

/** The running span up to this event, bounded (a clock read behind the start counts 0). */
function spanMs(clock: LabourClock, e: LabourEvent): number {
  return Math.min(MAX_SPAN_MS, Math.max(0, eventWallMs(e) - (clock.runningSince ?? eventWallMs(e))));
}

export function startLabour(tx: Tx, e: EventOf<'labour.started'>): void {
  const { wo, operatorId, clock } = clockOf(tx, e);
  if (clock.state === 'running') refuse('labour_running', `${operatorId}'s time on ${wo.id} is already running`);
  put(tx, wo, operatorId, { state: 'running', runningSince: eventWallMs(e), workedMs: clock.workedMs });
}

export function pauseLabour(tx: Tx, e: EventOf<'labour.paused'>): void {
  const { wo, operatorId, clock } = clockOf(tx, e);
  if (clock.state !== 'running') refuse('labour_not_running', `${operatorId}'s time on ${wo.id} is not running`);
  put(tx, wo, operatorId, { state: 'paused', runningSince: null, workedMs: clock.workedMs + spanMs(clock, e) });
}

/** Done on this SPK: a running span is closed; a paused clock just ends. */
export function finishLabour(tx: Tx, e: EventOf<'labour.finished'>): void {
  const { wo, operatorId, clock } = clockOf(tx, e);
  if (clock.state === 'finished') refuse('labour_not_running', `${operatorId} has no time running or paused on ${wo.id}`);
  put(tx, wo, operatorId, { state: 'finished', runningSince: null, workedMs: clock.workedMs + (clock.state === 'running' ? spanMs(clock, e) : 0) });
}

/** Time worked on a work order: per operator and in total, counting running clocks up to `nowMs`. */
export function labourWorked(wo: WorkOrderDoc, nowMs: number): { totalMs: number; byOperator: Record<string, number> } {
  const byOperator: Record<string, number> = {};
  let totalMs = 0;
  for (const [operatorId, clock] of Object.entries(wo.labour ?? {})) {
    const running = clock.state === 'running' && clock.runningSince !== null ? Math.min(MAX_SPAN_MS, Math.max(0, nowMs - clock.runningSince)) : 0;
    byOperator[operatorId] = clock.workedMs + running;
    totalMs += clock.workedMs + running;
  }
  return { totalMs, byOperator };
}

/**
 * The SPKs on which `operatorId`'s clock runs and that a station of `department` may still pause (its own work
 * orders, not closed): what a logout pauses. A clock running at another department stays for that station.
 */
export function runningClocksOf(workOrders: Iterable<WorkOrderDoc>, operatorId: string, department: Department): string[] {
  const ids: string[] = [];
  for (const wo of workOrders) {
    if (wo.place === department && wo.status !== 'closed' && wo.labour?.[operatorId]?.state === 'running') ids.push(wo.id);
  }
  return ids.sort();
}
