import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { FLOOR_ORDERS_LISTED, FLOOR_ORDERS_MAX, FLOOR_ROWS_SHOWN, type SpkLabour } from '../../../sync-server/dashboard/contract';
import { useOrderSearch } from '../order-search-hook';
import { ViewLoading } from './ViewLoading';
import { useDash, useT, when } from '../context';
import type { DashboardState } from '../store';
import { usePlace } from './place';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

/** "Show all N" while a list shows fewer than all of its rows. */
function ShowAll(props: { shown: number; all: number; onShow: () => void; testId: string }) {
  const { t } = useT();
  if (props.shown >= props.all) return null;
  return (
    <button type="button" onClick={props.onShow} data-testid={props.testId}>
      {t('showAll', { n: props.all })}
    </button>
  );
}

/** The first FLOOR_ROWS_SHOWN of `rows` until "show all" (the button, null when every row is shown) is pressed. */
function useFirstRows<T>(rows: readonly T[], testId: string): { shown: readonly T[]; showAll: ReactNode } {
  const [all, setAll] = useState(false);
  const shown = all ? rows : rows.slice(0, FLOOR_ROWS_SHOWN);
  return { shown, showAll: <ShowAll shown={shown.length} all={rows.length} onShow={() => setAll(true)} testId={testId} /> };
}

type StationState = 'online' | 'offline' | 'revoked';
const STATION_STATES: readonly StationState[] = ['online', 'offline', 'revoked'];
const PILL: Record<StationState, string> = { online: 'pill-ok', offline: 'pill-bad', revoked: 'pill-muted' };

/**
 * The stations at a glance: how many are online, offline and revoked, and the ones not online listed (what a
 * supervisor acts on; the first FLOOR_ROWS_SHOWN); every station on "show all" (and on the Fleet view, with its last
 * sync, backlog and clock skew). Two hundred green rows listed by default hid the few that matter and were most of
 * the Floor's first render.
 */
function Stations() {
  const stations = useDash((s) => s.floor?.stations ?? NONE);
  const { t } = useT();
  const place = usePlace();
  const [showAll, setShowAll] = useState(false);
  const stateOf = (s: (typeof stations)[number]): StationState => (s.revoked ? 'revoked' : s.online ? 'online' : 'offline');
  const counts = { online: 0, offline: 0, revoked: 0 };
  for (const s of stations) counts[stateOf(s)]++;
  const notOnline = stations.filter((s) => stateOf(s) !== 'online');
  const shown = showAll ? stations : notOnline.slice(0, FLOOR_ROWS_SHOWN);
  const toolbar = (
    <div className="toolbar">
      <span className="counts" data-testid="stations-counts">
        {STATION_STATES.map((state) => (
          <span key={state} className={`pill ${PILL[state]}`} data-testid={`stations-${state}`}>
            {t(state)} {counts[state]}
          </span>
        ))}
      </span>
      <ShowAll shown={shown.length} all={stations.length} onShow={() => setShowAll(true)} testId="stations-show-all" />
    </div>
  );
  return (
    <TableCard
      testId="stations"
      title="stations"
      empty={stations.length === 0 ? 'noStations' : 'allStationsOnline'}
      toolbar={stations.length > 0 ? toolbar : null}
      columns={['station', 'department', 'line', 'status']}
      rows={shown}
      rowKey={(s) => s.id}
      rowTestId={(s) => `station-${s.id}`}
      cells={(s) => (
        <>
          <RowHead main={s.id} sub={s.name} />
          <td>{place(s.department)}</td>
          <td>{s.lineId ?? '—'}</td>
          <td>
            <span className={`pill ${PILL[stateOf(s)]}`}>{t(stateOf(s))}</span>
          </td>
        </>
      )}
    />
  );
}

function DepartmentWip() {
  const departments = useDash((s) => s.floor?.departments ?? NONE);
  const { t } = useT();
  const place = usePlace();
  return (
    <section className="card" aria-labelledby="wip-dept-h" data-testid="wip-departments">
      <h2 id="wip-dept-h">{t('wipByDepartment')}</h2>
      <ul className="tiles">
        {departments.map((d) => (
          <li key={d.department} className="tile" data-testid={`wip-${d.department}`}>
            <div className="tile-label">{place(d.department)}</div>
            <div className="tile-big">{d.wip}</div>
            <div className="small">
              {d.workOrders} {t('spks')}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The orders' WIP along their routes. The live Floor lists the first FLOOR_ORDERS_LISTED open orders (and counts them
 * all); a search, or "show all", is answered by the server and follows the Floor as it changes (order-search.ts).
 */
function OrderWip() {
  const listed = useDash((s) => s.floor?.orders ?? NONE);
  const open = useDash((s) => s.floor?.ordersOpen ?? 0);
  const at = useDash((s) => s.floor?.at ?? null);
  const place = usePlace();
  const { t } = useT();
  const [query, setQuery] = useState('');
  const [showAll, setShowAll] = useState(false);
  const find = query.trim();
  const search = useOrderSearch(find !== '' || showAll ? { find, limit: showAll ? FLOOR_ORDERS_MAX : FLOOR_ORDERS_LISTED } : null, at);
  // Searching: what the server found (the last answer while the next is read); else the live Floor's first orders.
  const orders = search.ask ? (search.found?.orders ?? NONE) : listed;
  const all = search.ask ? (search.found?.matching ?? 0) : open;
  const toolbar = (
    <div className="toolbar">
      <label className="field field-inline">
        {t('findOrder')}
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="order-search" />
      </label>
      {search.ask && search.found === null ? (
        <span className="small" aria-busy="true" data-testid="orders-searching">
          {t('loading')}
        </span>
      ) : (
        <span className="small" data-testid="orders-shown" aria-busy={search.busy}>
          {t('ordersShown', { shown: orders.length, all })}
        </span>
      )}
      {search.failed ? (
        <span className="small bad-text" role="alert" data-testid="orders-search-failed">
          {t('ordersSearchFailed', { code: search.failed })}
        </span>
      ) : null}
      <ShowAll shown={orders.length} all={all} onShow={() => setShowAll(true)} testId="orders-show-all" />
    </div>
  );
  return (
    <TableCard
      testId="wip-orders"
      title="wipByOrder"
      empty={search.ask && find !== '' ? 'noOrderFound' : 'noOrders'}
      toolbar={open > 0 ? toolbar : null}
      columns={['order', 'article', 'route', 'wip', 'inTransit']}
      rows={orders}
      rowKey={(o) => o.moId}
      rowTestId={(o) => `order-${o.moId}`}
      cells={(o) => (
        <>
          <RowHead main={o.moId} sub={`${o.destination} · ${o.shipWeek}`} />
          <td>{o.articleCode}</td>
          <td>{o.route}</td>
          <td>
            <ol className="route">
              {o.places.map((p) => (
                <li key={p.workOrderId} data-testid={`wip-${p.workOrderId}`}>
                  {place(p.place)} <strong>{p.wip}</strong>
                  <span className="small"> / {p.planned}</span>
                </li>
              ))}
            </ol>
          </td>
          <td className="num">{o.inTransit}</td>
        </>
      )}
    />
  );
}

/** Transfers in transit, the longest waiting first. */
function Transfers() {
  const transfers = useDash((s) => s.floor?.transfersInTransit ?? NONE);
  const { lang } = useT();
  const place = usePlace();
  const { shown, showAll } = useFirstRows(transfers, 'transfers-show-all');
  return (
    <TableCard
      testId="transfers"
      title="transfersInTransit"
      empty="noTransfers"
      toolbar={showAll}
      columns={['order', 'fromTo', 'quantity', 'status', 'since']}
      rows={shown}
      rowKey={(x) => x.id}
      cells={(x) => (
        <>
          <RowHead main={x.moId} sub={x.articleCode} />
          <td>
            {place(x.from)} → {place(x.to)}
          </td>
          <td className="num">{x.quantity}</td>
          <td>{x.status}</td>
          <td>{x.createdAt ? when(x.createdAt, lang) : '—'}</td>
        </>
      )}
    />
  );
}

type FloorLine = NonNullable<DashboardState['floor']>['lines'][number];
/** What a supervisor looks at first: a halted line, a failed detector check, open alerts, a check due; then the rest. */
const attention = (l: FloorLine) => (l.halted ? 0 : l.verification === 'failed' ? 1 : l.openAlerts > 0 ? 2 : l.verification === 'due' ? 3 : 4);

/** The lines, those needing attention first (then by id). */
function Lines() {
  const lines = useDash((s) => s.floor?.lines ?? NONE);
  const { t } = useT();
  const place = usePlace();
  const byAttention = useMemo(() => [...lines].sort((a, b) => attention(a) - attention(b) || a.id.localeCompare(b.id)), [lines]);
  const { shown, showAll } = useFirstRows(byAttention, 'lines-show-all');
  return (
    <TableCard
      testId="lines"
      title="lines"
      empty="noLines"
      toolbar={showAll}
      columns={['line', 'occupant', 'status', 'verification', 'openAlerts']}
      rows={shown}
      rowKey={(l) => l.id}
      rowTestId={(l) => `line-${l.id}`}
      cells={(l) => (
        <>
          <RowHead main={l.id} sub={place(l.department)} />
          <td>{l.occupant ? `${l.occupant.articleCode} → ${l.occupant.destination} (${l.occupant.workOrderId})` : t('empty')}</td>
          <td>{l.halted ? <span className="pill pill-bad">{t('halted')}</span> : <span className="pill pill-ok">{t('running')}</span>}</td>
          <td>{l.verification}</td>
          <td className="num">{l.openAlerts}</td>
        </>
      )}
    />
  );
}

/** Milliseconds as a clock reads: 1:05:09. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The wall clock, once a second (running labour clocks go on between reads of the Floor). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/** Worked time as of now: the server's count at `at`, plus the time since then for each running clock. */
function workedNow(ms: number, running: boolean, at: string | null, now: number): number {
  return running && at ? ms + Math.max(0, now - Date.parse(at)) : ms;
}

function Labour() {
  const labour = useDash((s) => s.floor?.labour ?? NONE);
  const at = useDash((s) => s.floor?.at ?? null);
  const now = useNow();
  const { t } = useT();
  const place = usePlace();
  const total = (l: SpkLabour) => l.operators.reduce((sum, o) => sum + workedNow(o.workedMs, o.state === 'running', at, now), 0);
  const { shown, showAll } = useFirstRows(labour, 'labour-show-all');
  return (
    <TableCard
      testId="labour"
      title="labour.title"
      empty="labour.none"
      toolbar={showAll}
      columns={['spk', 'labour.worked', 'labour.operators']}
      rows={shown}
      rowKey={(l) => l.workOrderId}
      rowTestId={(l) => `labour-${l.workOrderId}`}
      cells={(l) => (
        <>
          <RowHead main={l.workOrderId} sub={place(l.place)} />
          <td className="num" data-testid={`labour-total-${l.workOrderId}`}>
            {clock(total(l))}
          </td>
          <td>
            <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
              {l.operators.map((o) => (
                <li key={o.operatorId} data-testid={`labour-${l.workOrderId}-${o.operatorId}`}>
                  {o.operatorId} {clock(workedNow(o.workedMs, o.state === 'running', at, now))}{' '}
                  <span className={`pill ${o.state === 'running' ? 'pill-ok' : 'pill-muted'}`}>{t(`labour.${o.state}`)}</span>
                </li>
              ))}
            </ul>
          </td>
        </>
      )}
    />
  );
}

/** The whole floor at a glance: fleet, WIP (per department, per order along its route), transfers, lines, labour per SPK. */
export function FloorView() {
  const { t } = useT();
  const read = useDash((s) => s.floor !== null);
  if (!read) return <ViewLoading label={t('view.floor')} />;
  return (
    <main className="main" aria-label={t('view.floor')}>
      <div className="grid">
        <DepartmentWip />
        <OrderWip />
        <Stations />
        <Lines />
        <Transfers />
        <Labour />
      </div>
    </main>
  );
}
