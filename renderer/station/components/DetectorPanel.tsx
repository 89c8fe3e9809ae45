import { useEffect, useRef, useState } from 'react';
import type { Bilingual, VerificationRunView } from '../../../shared/api';
import { VerificationTrigger, type TestMetal } from '../../../shared/events';
import { timeOf } from '../clock';
import { useScreen, useStation, useT } from '../context';
import { UI, format, type Lang, type UiKey } from '../messages';
import { NoticeLine } from './NoticeLine';

/**
 * Finishing's metal detector (shown when one is connected): is it verified (ok / due / failed), when it last passed
 * and is next due, the pieces passed since then and the rejects, the verification run being collected with the
 * metals tested so far, and a button to start a verification with its reason. HALT on a detection is Halt.tsx.
 */
export function DetectorPanel() {
  const verification = useStation((s) => s.view?.verification ?? null);
  const line = useStation((s) => s.view?.line ?? null);
  const { t, lang } = useT();
  useEndOfRun(verification?.running.length ?? 0);
  if (!verification) return null;
  const passed = Object.values(line?.sinceLastPass ?? {}).reduce((sum, n) => sum + n, 0);
  return (
    <section className="card detector" aria-labelledby="detector-title" data-testid="detector">
      <h2 id="detector-title">{t('detector')}</h2>
      <div className={`verification verification-${verification.status}`} data-testid="verification-status" data-status={verification.status}>
        {t(`verification.${verification.status}`)}
      </div>
      {verification.status !== 'ok' ? <p className="hint">{t('verificationHeld')}</p> : null}
      <dl className="facts">
        <dt>{t('lastPass')}</dt>
        <dd data-testid="verification-last">{verification.lastPassAt ? timeOf(verification.lastPassAt, lang) : t('never')}</dd>
        <dt>{t('nextDue')}</dt>
        <dd data-testid="verification-due">{verification.dueAt ? timeOf(verification.dueAt, lang) : t('never')}</dd>
        <dt>{t('piecesPassed')}</dt>
        <dd data-testid="pieces-passed">{passed}</dd>
        <dt>{t('rejects')}</dt>
        <dd data-testid="rejects">{line?.rejects ?? 0}</dd>
      </dl>
      {verification.running.map((run) => (
        <RunCollected key={run.deviceId} run={run} />
      ))}
      <StartVerification />
    </section>
  );
}

/** Once the runs being collected are over, "run the test pieces" no longer stands: its notice goes. */
function useEndOfRun(running: number): void {
  const screen = useScreen();
  const before = useRef(running);
  useEffect(() => {
    const ended = before.current > 0 && running === 0;
    before.current = running;
    const notice = screen.store.getState().notice;
    if (ended && notice?.field === 'verification' && notice.tone === 'info') screen.store.setState({ notice: null });
  }, [running, screen]);
}

function metalsIn(metals: readonly TestMetal[], lang: Lang): string {
  return metals.map((m) => UI[`metal.${m}`][lang]).join(', ');
}

/** A sentence naming metals, in both languages (the metals' names too). */
function withMetals(key: UiKey, metals: readonly TestMetal[]): Bilingual {
  return { en: format(UI[key].en, { metals: metalsIn(metals, 'en') }), id: format(UI[key].id, { metals: metalsIn(metals, 'id') }) };
}

/** A run being collected: which metals the certified pieces have proven so far, out of those required. */
function RunCollected({ run }: { run: VerificationRunView & { deviceId: string } }) {
  const { t, lang } = useT();
  return (
    <div className="run" data-testid="verification-run" role="status">
      <strong>{t('runCollecting', { trigger: run.trigger ? t(`trigger.${run.trigger}`) : run.deviceId })}</strong>
      <div>
        {t('metalsSoFar')}:{' '}
        <span data-testid="run-metals">{run.metals.length === 0 ? t('waitingFirstPiece') : `${metalsIn(run.metals, lang)} (${run.metals.length}/${run.required.length})`}</span>
      </div>
    </div>
  );
}

/** Start a verification, saying why now (start of lot, hourly, …); a run already waiting is the answer. */
function StartVerification() {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [trigger, setTrigger] = useState<VerificationTrigger>('lot_start');
  const start = async () => {
    const started = await screen.run('verification.start', { trigger }, { field: 'verification' });
    if (!started) return;
    const key = started.alreadyRunning ? 'verificationAlready' : started.testMode === 'requested' ? 'verificationRequested' : 'verificationManual';
    screen.store.setState({ notice: { tone: 'info', text: withMetals(key, started.required), field: 'verification' } });
  };
  return (
    <div className="field">
      <span id="trigger-label">{t('trigger')}</span>
      <div className="choices" role="radiogroup" aria-labelledby="trigger-label">
        {VerificationTrigger.options.map((o) => (
          <button key={o} type="button" role="radio" aria-checked={trigger === o} className={`btn choice ${trigger === o ? 'choice-on' : ''}`} data-testid={`trigger-${o}`} onClick={() => setTrigger(o)}>
            {t(`trigger.${o}`)}
          </button>
        ))}
      </div>
      <NoticeLine field="verification" />
      <button type="button" className="btn btn-primary" data-testid="verification-start" disabled={busy} onClick={() => void start()}>
        {t('startVerification')}
      </button>
    </div>
  );
}
