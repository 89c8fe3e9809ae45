import type { WorkOrderDoc } from '../../../shared/docs';
import { PIPELINE, readyToSend, stageCount } from '../../../shared/rules/pipeline';
import { completeSets, partsShortOfNextSet } from '../../../shared/rules/bom';
import { DEPARTMENT_FORMS, numbersCartons } from '../flows';
import { STAGE } from '../messages';
import { useScreen, useStation, useT } from '../context';
import { CLEARANCE_STEP, type CutPart } from '../../../shared/master';
import { ActionForm } from './ActionForm';
import { CartonForm } from './CartonForm';
import { Checklist } from './Checklist';
import { Handover } from './Handover';
import { LabourBadge, LabourClock } from './LabourClock';
import { NeedleReport } from './NeedleReport';
import { ShortClose } from './ShortClose';

/** A card per SPK at this station; opening one (a tap or scanning its SPK) shows its department's forms. */
export function WorkOrders() {
  const screen = useScreen();
  const view = useStation((s) => s.view);
  const openId = useStation((s) => s.openWorkOrderId);
  const { t } = useT();
  if (!view) return null;
  const open = openId ? view.workOrders.find((w) => w.id === openId) : undefined;
  if (open) {
    const dept = view.station.department;
    return (
      <section className="work-order" data-testid={`wo-${open.id}`}>
        <div className="row">
          <button type="button" className="btn btn-secondary" data-testid="wo-back" onClick={() => screen.store.setState({ openWorkOrderId: null })}>
            ← {t('back')}
          </button>
          <h2>
            {open.id} · {open.articleCode}
            {open.wipCode ? (
              <span className="wo-wip" data-testid="wo-wip">
                {' '}
                · {t('wipCode')} {open.wipCode}
              </span>
            ) : null}
          </h2>
          {open.status === 'closed' ? (
            <span className="badge" data-testid="wo-closed">
              {t('orderClosed')}
            </span>
          ) : null}
          {dept === 'packing' ? (
            <button type="button" className="btn btn-secondary" data-testid="packing-list-open" onClick={() => screen.store.setState({ printedPackingList: { workOrderId: open.id } })}>
              {t('packingList')} ({t('cartonsN', { n: open.cartons.length })})
            </button>
          ) : null}
        </div>
        <Progress wo={open} />
        <LabourClock wo={open} />
        <div className="forms">
          {DEPARTMENT_FORMS[dept].map((f) =>
            numbersCartons(f) ? <CartonForm key={`${open.id}:${f.key}`} form={f} wo={open} /> : <ActionForm key={`${open.id}:${f.key}`} form={f} wo={open} />,
          )}
          {dept !== 'packing' ? <Handover wo={open} /> : <ShortClose wo={open} />}
          {dept === 'sewing' ? <NeedleReport wo={open} /> : null}
          {CLEARANCE_STEP[dept] !== undefined ? (
            <Checklist
              title="segregation"
              items={['check.segregated']}
              submit="acknowledge"
              testId="segregation"
              build={(checklist) => ({ type: 'segregation.acknowledged', payload: { lineId: view.station.lineId, workOrderId: open.id, checklist } })}
            />
          ) : null}
        </div>
      </section>
    );
  }
  return (
    <section aria-label={t('workOrders')}>
      <h2>{t('workOrders')}</h2>
      {view.workOrders.length === 0 ? <p className="empty">{t('noWorkOrders')}</p> : null}
      <div className="cards">
        {view.workOrders.map((wo) => (
          <button key={wo.id} type="button" className="card wo-card" data-testid={`wo-card-${wo.id}`} onClick={() => screen.store.setState({ openWorkOrderId: wo.id, notice: null })}>
            <div className="wo-id">{wo.id}</div>
            <div className="wo-article">
              {wo.articleCode}
              {wo.wipCode ? <span className="wo-wip" data-testid={`wo-card-wip-${wo.id}`}>{` · ${t('wipCode')} ${wo.wipCode}`}</span> : null}
            </div>
            <Progress wo={wo} />
            <LabourBadge wo={wo} />
            <div className="wo-meta">
              {t('destination')} {wo.destination} · {t('shipWeek')} {wo.shipWeek}
            </div>
          </button>
        ))}
      </div>
    </section>
  );
}

/** Where the SPK's pieces are: each stage's count, what is ready to hand over, sent, scrapped, held. */
function Progress({ wo }: { wo: WorkOrderDoc }) {
  const { t, tb } = useT();
  const stages = PIPELINE[wo.place];
  const last = stages[stages.length - 1];
  const done = last ? stageCount(wo, last) : 0;
  const pct = wo.plannedQty > 0 ? Math.min(100, Math.round((done / wo.plannedQty) * 100)) : 0;
  return (
    <div className="progress-block">
      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={wo.plannedQty} aria-valuenow={done} aria-label={`${wo.id} ${done}/${wo.plannedQty}`}>
        <div className="bar-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="wo-numbers">
        <span>
          {t('planned')} <strong>{wo.plannedQty}</strong>
        </span>
        {wo.place !== 'cutting' ? (
          <span>
            {t('received')} <strong data-testid="received">{wo.receivedQty}</strong>
          </span>
        ) : null}
        {stages.map((st) => (
          <span key={st}>
            {STAGE[st] ? tb(STAGE[st]) : st} <strong data-testid={`stage-${st}`}>{stageCount(wo, st)}</strong>
          </span>
        ))}
        <span>
          {t('produced')} <strong data-testid="ready">{Math.max(0, readyToSend(wo))}</strong>
        </span>
        <span>
          {t('sent')} <strong>{wo.sentQty}</strong>
        </span>
        {wo.scrappedQty > 0 ? (
          <span>
            {t('scrapped')} <strong data-testid="scrapped">{wo.scrappedQty}</strong>
          </span>
        ) : null}
        {wo.heldQty > 0 ? (
          <span className="warn">
            {t('held')} <strong>{wo.heldQty}</strong>
          </span>
        ) : null}
      </div>
      {wo.place === 'cutting' && wo.cutParts ? <PartsCut wo={wo} cutParts={wo.cutParts} /> : null}
    </div>
  );
}

/** Cutting: each part of the bill against what the plan needs, and what the next complete set still lacks. */
function PartsCut({ wo, cutParts }: { wo: WorkOrderDoc; cutParts: readonly CutPart[] }) {
  const { t } = useT();
  const cut = wo.partsCut ?? {};
  const short = partsShortOfNextSet(cutParts, cut);
  return (
    <div className="parts-cut" data-testid="parts-cut">
      <span className="parts-title">{t('partsCut')}</span>
      <ul>
        {cutParts.map(({ part, qtyPerSet }) => (
          <li key={part} data-testid={`part-${part}`}>
            {part} <strong>{cut[part] ?? 0}</strong> / {wo.plannedQty * qtyPerSet}
          </li>
        ))}
      </ul>
      {short.length > 0 && completeSets(cutParts, cut) < wo.plannedQty ? (
        <div className="warn" data-testid="parts-short">
          {t('shortForNextSet')}: {short.map((p) => `${p.part} ${p.short}`).join(', ')}
        </div>
      ) : null}
    </div>
  );
}
