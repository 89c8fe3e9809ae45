import { useState } from 'react';
import type { Bilingual } from '../../../shared/api';
import type { WorkOrderDoc } from '../../../shared/docs';
import type { Action } from '../../../shared/events';
import { labourWorked } from '../../../shared/rules/labour';
import { durationOf, useClock } from '../clock';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { NoticeLine } from './NoticeLine';

/** The reasons an operator picks on screen (`logout` is the core's own, when someone leaves with a clock running). */
const PAUSE_REASONS = ['break', 'material', 'machine', 'meeting', 'other'] as const;

/** The logged-in operator's clock on this SPK: state and worked time, and what they can do with it. */
function useMyClock(wo: WorkOrderDoc) {
  const operatorId = useStation((s) => s.view?.operator?.operatorId ?? null);
  const clock = operatorId ? wo.labour?.[operatorId] : undefined;
  const running = clock?.state === 'running';
  // Ticks every second only while something runs on this SPK; otherwise the worked time does not move.
  const now = useClock(running || Object.values(wo.labour ?? {}).some((c) => c.state === 'running'));
  const worked = labourWorked(wo, now.getTime());
  return { clock, mine: operatorId ? (worked.byOperator[operatorId] ?? 0) : 0, total: worked.totalMs };
}

/**
 * Labour time per SPK and operator (labour.started / paused / finished through `action.record`, in the logged-in
 * operator's name): start, pause with a reason, resume, finish; the running clock and the time worked. One event id
 * per state of the clock: a double tap or a retry records the step once (the core answers the same id with the first
 * ack), and once the clock has moved on (here or on another screen) the next step gets an id of its own, so it is
 * never mistaken for the one before.
 */
export function LabourClock({ wo }: { wo: WorkOrderDoc }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const { clock, mine, total } = useMyClock(wo);
  const field = 'labour';
  const state = clock?.state ?? 'none';
  const clockKey = `${state}:${clock?.runningSince ?? ''}:${clock?.workedMs ?? 0}`;
  const [step, setStep] = useState(() => ({ clockKey, eventId: crypto.randomUUID() }));
  if (step.clockKey !== clockKey) setStep({ clockKey, eventId: crypto.randomUUID() });
  const record = async (action: Action, ok: Bilingual) => {
    await screen.run('action.record', { action, eventId: step.eventId }, { field, ok });
  };
  const closed = wo.status === 'closed';
  return (
    <section className="card labour" data-testid="labour" data-state={state} aria-labelledby="labour-title">
      <h3 id="labour-title">{t('labour')}</h3>
      <div className="labour-numbers">
        <span className={`badge labour-${state}`} data-testid="labour-state">
          {t(`labour.${state}`)}
        </span>
        <span>
          {t('labourWorked')}{' '}
          <strong className="labour-time" role="timer" data-testid="labour-mine">
            {durationOf(mine)}
          </strong>
        </span>
        <span className="hint">
          {t('labourTotal')} <strong data-testid="labour-total">{durationOf(total)}</strong>
        </span>
      </div>
      {state === 'running' ? (
        <div className="labour-actions">
          <span id="labour-pause-label">{t('labourPause')}</span>
          <div className="choices" role="group" aria-labelledby="labour-pause-label">
            {PAUSE_REASONS.map((reason) => (
              <button
                key={reason}
                type="button"
                className="btn btn-secondary"
                data-testid={`labour-pause-${reason}`}
                disabled={busy}
                onClick={() => void record({ type: 'labour.paused', payload: { workOrderId: wo.id, reason } }, text('labourPausedOk'))}
              >
                {t(`pause.${reason}`)}
              </button>
            ))}
          </div>
          <p className="hint">{t('labourLogoutHint')}</p>
        </div>
      ) : (
        <button
          type="button"
          className="btn btn-primary"
          data-testid="labour-start"
          disabled={busy || closed}
          onClick={() => void record({ type: 'labour.started', payload: { workOrderId: wo.id } }, text('labourStarted'))}
        >
          {state === 'paused' ? t('labourResume') : t('labourStart')}
        </button>
      )}
      {state === 'running' || state === 'paused' ? (
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="labour-finish"
          disabled={busy}
          onClick={() => void record({ type: 'labour.finished', payload: { workOrderId: wo.id } }, text('labourFinishedOk'))}
        >
          {t('labourFinish')}
        </button>
      ) : null}
      <NoticeLine field={field} />
    </section>
  );
}

/** On an SPK's card: the logged-in operator's clock while it runs or waits paused (nothing when it never started). */
export function LabourBadge({ wo }: { wo: WorkOrderDoc }) {
  const { t } = useT();
  const { clock, mine } = useMyClock(wo);
  if (!clock || clock.state === 'finished') return null;
  return (
    <div className={`wo-labour labour-${clock.state}`} data-testid={`wo-card-labour-${wo.id}`} data-state={clock.state}>
      {t(`labour.${clock.state}`)} · {durationOf(mine)}
    </div>
  );
}
