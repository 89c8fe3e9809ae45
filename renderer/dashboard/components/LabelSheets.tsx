import { Fragment, useEffect } from 'react';
import { encodeBadge } from '../../../shared/barcode/badge';
import { encodeSpkLabel } from '../../../shared/barcode/spk';
import { Place, ROUTES, wipCodeAt, type RouteId } from '../../../shared/master';
import type { OrderRow } from '../../../sync-server/dashboard/contract';
import { useT } from '../context';
import { reports, useReports } from '../reports-store';
import { Code128 } from './Barcode';
import { usePlace } from './place';
import { PrintButton } from './PrintButton';

function SheetTools({ onClose, testId }: { onClose: () => void; testId: string }) {
  const { t } = useT();
  return (
    <div className="no-print form-row">
      <PrintButton label={t('print')} testId={`${testId}-print`} />
      <button type="button" className="btn btn-secondary" onClick={onClose} data-testid={`${testId}-close`}>
        {t('close')}
      </button>
    </div>
  );
}

/**
 * The SPK labels of a released MO, one per department (or the vendor) on its route, 100 × 62 mm: SPK number,
 * article, quantity, the WIP code the goods carry there (from the MO's article, when it has them), route with this SPK's place marked, and the SPK barcode the stations scan (shared/barcode/spk.ts,
 * drawn by the shared Code 128 encoder).
 */
export function SpkLabelSheet({ order, onClose }: { order: OrderRow; onClose: () => void }) {
  const { t } = useT();
  const place = usePlace();
  const route = ROUTES[order.route as RouteId] ?? [];
  const wipAt = (at: string) => {
    const known = Place.safeParse(at);
    return known.success ? wipCodeAt(order.wipCodes, known.data) : undefined;
  };
  return (
    <section className="card print-area" aria-labelledby="spk-labels-h" data-testid="spk-labels">
      <h2 id="spk-labels-h" className="no-print">
        {t('labels.spkTitle', { mo: order.id })}
      </h2>
      <SheetTools onClose={onClose} testId="spk-labels" />
      <div className="sheet">
        {order.progress.map((p) => (
          <div key={p.workOrderId} className="spk-label" data-testid={`spk-label-${p.workOrderId}`}>
            <div className="big">{p.workOrderId}</div>
            <div>
              {t('article')}: <strong>{order.articleCode}</strong> · {t('quantity')}: <strong>{p.planned}</strong>
            </div>
            <div>
              {t('department')}: <strong>{place(p.place)}</strong> · {order.destination} · {order.shipWeek}
            </div>
            {wipAt(p.place) ? (
              <div data-testid={`spk-wip-${p.workOrderId}`}>
                {t('wipCode')}: <strong>{wipAt(p.place)}</strong>
              </div>
            ) : null}
            <div className="label-route">
              {t('route')} {order.route}:{' '}
              {route.map((r, i) => (
                <Fragment key={r}>
                  {i > 0 ? ' → ' : ''}
                  <span className={r === p.place ? 'here' : undefined}>{place(r)}</span>
                </Fragment>
              ))}
            </div>
            <Code128 data={encodeSpkLabel({ workOrderId: p.workOrderId, articleCode: order.articleCode, quantity: p.planned })} testId={`spk-barcode-${p.workOrderId}`} />
          </div>
        ))}
      </div>
    </section>
  );
}

/** Operator badges from the roster, card size (85.6 × 54 mm): name, badge id, departments, badge barcode. Never the PIN. */
export function BadgeSheet({ onClose }: { onClose: () => void }) {
  const { t } = useT();
  const place = usePlace();
  const roster = useReports((s) => s.roster);
  useEffect(() => {
    void reports.readRoster();
  }, []);
  const active = roster?.operators.filter((o) => o.active) ?? [];
  return (
    <section className="card print-area" aria-labelledby="badges-h" data-testid="badges">
      <h2 id="badges-h" className="no-print">
        {t('labels.badgesTitle')}
      </h2>
      <SheetTools onClose={onClose} testId="badges" />
      {!roster ? <p>{t('loading')}</p> : active.length === 0 ? <p>{t('labels.noOperators')}</p> : null}
      <div className="sheet">
        {active.map((o) => (
          <div key={o.id} className="badge-card" data-testid={`badge-${o.id}`}>
            <div>
              <div className="big">{o.name}</div>
              <div>{o.id}</div>
              <div className="small">{o.departments.map(place).join(', ')}</div>
            </div>
            <Code128 data={encodeBadge({ operatorId: o.id })} testId={`badge-barcode-${o.id}`} heightMm={10} />
          </div>
        ))}
      </div>
    </section>
  );
}
