import { useState, type FormEvent } from 'react';
import type { OrderRow } from '../../../sync-server/dashboard/contract';
import { RouteId, type WipCodes } from '../../../shared/master';
import { useDash, useDashboard, useT, when } from '../context';
import { asNumber, billOf, BomFields, draftOf, wipLine, type PartDraft } from './BomFields';
import { BadgeSheet, SpkLabelSheet } from './LabelSheets';
import { Notice } from './Notice';
import { usePlace } from './place';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];
/** Who creates and approves orders (the server checks it again on every write). */
const ORDER_MAKERS = new Set(['ppic', 'admin']);

interface OrderDraft {
  id: string;
  articleCode: string;
  quantity: string;
  route: RouteId;
  destination: string;
  shipWeek: string;
  cutParts: PartDraft[];
  /** The picked article's WIP codes, copied onto the MO with its bill (each SPK carries its department's). */
  wipCodes?: WipCodes | undefined;
}

const EMPTY: OrderDraft = { id: '', articleCode: '', quantity: '', route: 'R1', destination: '', shipWeek: '', cutParts: [{ part: 'body', qtyPerSet: '1' }] };

function NewOrder() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const articles = useDash((s) => s.articles?.articles ?? NONE);
  const [draft, setDraft] = useState<OrderDraft>(EMPTY);
  const set = (patch: Partial<OrderDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const order = { ...draft, quantity: asNumber(draft.quantity), cutParts: billOf(draft.cutParts) };
    void dashboard.createOrder(order).then((ok) => ok && setDraft(EMPTY));
  };
  /** An article from the master brings its bill of cut parts (PPIC may still change it for this order). */
  const setArticle = (code: string) => {
    const known = articles.find((a) => a.code === code);
    set(known ? { articleCode: code, cutParts: draftOf(known.cutParts), wipCodes: known.wipCodes } : { articleCode: code, wipCodes: undefined });
  };
  const text = (key: 'id' | 'articleCode' | 'destination' | 'shipWeek', label: Parameters<typeof t>[0], placeholder: string) => (
    <label className="field">
      {t(label)}
      <input
        data-testid={`order-${key}`}
        value={draft[key]}
        placeholder={placeholder}
        list={key === 'articleCode' ? 'article-codes' : undefined}
        onChange={(e) => (key === 'articleCode' ? setArticle(e.target.value.toUpperCase()) : set({ [key]: e.target.value.toUpperCase() }))}
      />
    </label>
  );
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-order-h" data-testid="new-order" noValidate>
      <h2 id="new-order-h">{t('newOrder')}</h2>
      <datalist id="article-codes">
        {articles.map((a) => (
          <option key={a.code} value={a.code}>
            {a.name}
          </option>
        ))}
      </datalist>
      <div className="form-row">
        {text('id', 'moNumber', 'MO-2026-0001')}
        {text('articleCode', 'article', 'BEAR-30')}
        <label className="field">
          {t('quantity')}
          <input data-testid="order-quantity" inputMode="numeric" value={draft.quantity} onChange={(e) => set({ quantity: e.target.value })} />
        </label>
      </div>
      <div className="form-row">
        <label className="field">
          {t('route')}
          <select data-testid="order-route" value={draft.route} onChange={(e) => set({ route: RouteId.parse(e.target.value) })}>
            {RouteId.options.map((r) => (
              <option key={r} value={r}>
                {t(`route.${r}`)}
              </option>
            ))}
          </select>
        </label>
        {text('destination', 'destination', 'DE-DC1')}
        {text('shipWeek', 'shipWeek', '2026-W50')}
      </div>
      <BomFields prefix="order" parts={draft.cutParts} set={(cutParts) => set({ cutParts })} />
      {draft.wipCodes ? (
        <p className="small" data-testid="order-wip-codes">
          {t('wipCodes')}: {wipLine(draft.wipCodes, draft.articleCode)}
        </p>
      ) : null}
      <button className="btn btn-primary btn-touch" type="submit" disabled={busy} aria-busy={busy} data-testid="order-create">
        {busy ? t('working') : t('createDraft')}
      </button>
    </form>
  );
}

function Progress({ order }: { order: OrderRow }) {
  const { t } = useT();
  const place = usePlace();
  if (order.status === 'draft') return <span className="small">{t('notReleased')}</span>;
  return (
    <ol className="progress-list">
      {order.progress.map((p) => (
        <li key={p.workOrderId} data-testid={`progress-${p.workOrderId}`}>
          <span className="progress-label">
            {place(p.place)} <strong>{p.done}</strong>/{p.planned}
          </span>
          <progress max={p.planned} value={Math.min(p.done, p.planned)} aria-label={`${place(p.place)} ${p.done}/${p.planned}`} />
        </li>
      ))}
    </ol>
  );
}

function ApproveButton({ order }: { order: OrderRow }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [mine, setMine] = useState(false);
  const approve = () => {
    setMine(true);
    void dashboard.approveOrder(order.id).finally(() => setMine(false));
  };
  return (
    <button type="button" className="btn btn-primary btn-touch" disabled={busy} aria-busy={mine} onClick={approve} data-testid={`approve-${order.id}`}>
      {mine ? t('working') : t('approve')}
    </button>
  );
}

/** What is open to print: the SPK labels of one MO, or the roster's badges (PPIC and admins). */
type Sheet = { kind: 'labels'; moId: string } | { kind: 'badges' } | null;

/** PPIC: manufacturing orders, drafts first (approve releases their SPKs to the stations), progress in sets; labels and badges to print. */
export function OrdersView() {
  const orders = useDash((s) => s.orders?.orders ?? NONE);
  const role = useDash((s) => s.session?.account.role);
  const { t, lang } = useT();
  const maker = role !== undefined && ORDER_MAKERS.has(role);
  const [sheet, setSheet] = useState<Sheet>(null);
  const labelled = sheet?.kind === 'labels' ? orders.find((o) => o.id === sheet.moId) : undefined;
  return (
    <main className="main" aria-label={t('view.orders')}>
      <Notice />
      {labelled ? <SpkLabelSheet order={labelled} onClose={() => setSheet(null)} /> : null}
      {sheet?.kind === 'badges' ? <BadgeSheet onClose={() => setSheet(null)} /> : null}
      {maker ? (
        <div className="form-row no-print">
          <button type="button" className="btn btn-secondary" onClick={() => setSheet({ kind: 'badges' })} data-testid="print-badges">
            {t('labels.printBadges')}
          </button>
        </div>
      ) : null}
      <div className="grid grid-wide">
        {maker ? <NewOrder /> : null}
        <TableCard
          testId="order-list"
          title="orders"
          empty="noOrdersYet"
          columns={['order', 'quantity', 'route', 'status', 'progress']}
          rows={orders}
          rowKey={(o) => o.id}
          rowTestId={(o) => `mo-${o.id}`}
          cells={(o) => (
            <>
              <RowHead main={o.id} sub={`${o.articleCode} · ${o.destination} · ${o.shipWeek}`} />
              <td className="num">{o.quantity}</td>
              <td>{o.route}</td>
              <td data-testid={`status-${o.id}`}>
                <span className={`pill ${o.status === 'draft' ? 'pill-muted' : 'pill-ok'}`}>{t(`orderStatus.${o.status}`)}</span>
                <div className="small">
                  {o.createdBy ? t('madeBy', { who: o.createdBy }) : null} {o.createdAt ? when(o.createdAt, lang) : null}
                </div>
                {o.status === 'draft' && maker ? <ApproveButton order={o} /> : null}
                {o.status === 'released' && maker ? (
                  <button type="button" className="btn btn-secondary" onClick={() => setSheet({ kind: 'labels', moId: o.id })} data-testid={`labels-${o.id}`}>
                    {t('labels.printSpk')}
                  </button>
                ) : null}
              </td>
              <td>
                <Progress order={o} />
              </td>
            </>
          )}
        />
      </div>
    </main>
  );
}
