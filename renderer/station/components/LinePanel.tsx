import { CLEARANCE_STEP } from '../../../shared/master';
import { useStation, useT } from '../context';
import { Checklist } from './Checklist';
import { NoticeLine } from './NoticeLine';

/** The line this station runs: what it holds, and its clearance (steps 290 / 380 / 405) before another article. */
export function LinePanel() {
  const view = useStation((s) => s.view);
  const { t } = useT();
  if (!view) return null;
  const step = CLEARANCE_STEP[view.station.department];
  if (step === undefined) return null;
  const lineId = view.station.lineId;
  const occ = view.line?.occupant ?? null;
  return (
    <section aria-label={t('line')} data-testid="line-panel">
      <p className={occ ? '' : 'empty'}>{occ ? t('lineHolds', { article: occ.articleCode, destination: occ.destination }) : t('lineEmpty')}</p>
      {occ ? (
        <Checklist
          title="lineClearance"
          titleVars={{ step }}
          items={['check.previousArticle', 'check.labels', 'check.binsEmpty']}
          submit="clearLine"
          testId="clearance"
          build={(checklist) => ({ type: 'line.cleared', payload: { lineId, step, checklist } })}
        />
      ) : (
        // The checklist goes once the line is clear: its outcome stays in view here.
        <NoticeLine field="clearance" />
      )}
    </section>
  );
}
