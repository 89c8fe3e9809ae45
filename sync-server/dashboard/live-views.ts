/**
 * The live views of every dashboard on one server instance: Floor, Alerts, Conflicts, Orders, Fleet, the article master
 * (the Import view's list, the Orders form's choice) and the Accounts list (admins only), each computed
 * once for all the dashboards asking at about the same time and at most 4 times a second however busy the floor
 * (live-view-cache.ts; the load test and the dashboard benchmark measured why), and kept as revisions
 * (view-revisions.ts), so a dashboard is sent what changed since what it holds. Alerts and Conflicts say what each
 * viewer may do: worked out once per computation and viewer, not per request. The Accounts list is an admin's only, as
 * its route is (`GET /api/dashboard/accounts`, ['admin']): it is read and answered for an admin's request and never for
 * another role's, whatever revisions that request says it holds (its part of the answer is `null`).
 *
 * Everything here answers JSON text and reads only through the `Db` it is given, so it runs as well in the server's
 * own thread (`liveViews(app.db)`: PGlite, which one thread owns) as in a worker thread with its own PostgreSQL pool
 * (views-worker.ts, started by views-host.ts): off the event loop that answers the stations' pushes.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { inLanes } from '../db/lanes';
import type { Db } from '../db/types';
import { listAccounts } from './accounts';
import { alertsFor, loadAlerts, type LoadedAlert } from './alerts';
import { listArticles } from './articles';
import { conflictsFor, loadConflictsView } from './conflicts';
import { AccountList, ACCOUNTS_LISTS, ALERTS_LISTS, AlertsView, ArticleList, ARTICLES_LISTS, CONFLICTS_LISTS, ConflictsView, FLEET_LISTS, FleetView, FLOOR_LISTS, FloorView, ORDERS_LISTS, type FloorOrdersQuery, OrdersView, type Account as AccountType, type ConflictsShow, type ViewsQuery } from './contract';
import { fleetRows, loadFleetView } from './fleet';
import { FloorDocuments, loadFloorView } from './floor-view';
import { FreshRead } from './fresh-read';
import { VIEW_INTERVAL_MS, VIEW_MAX_AGE_MS } from './live';
import { LiveViewCache } from './live-view-cache';
import { loadOrdersView, OrderDocuments } from './orders';
import { nextTurn } from './turns';
import { ViewRevisions } from './view-revisions';
import { VIEW_NAMES, type HeldRevisions, type ViewName } from './views-sync';

/** The last audit ids whose committed count is part of the audit's key (ViewKeys). */
const AUDIT_WINDOW = 100;
/** How long a view's computation waits for the rest of the dashboards that a `change` makes ask (live-view-cache.ts). */
const VIEW_GATHER_MS = 20;

/** The views' reads running at once at most (of the pool's 10 connections by default, which the pushes share). */
const VIEW_LANES = 2;

/** Answers kept per revision of Floor, Orders and Fleet at most (dashboards hold one of the last few, or none). */
const MAX_KEPT_ANSWERS = 64;

/** The views a per-view route answers whole. */
export const WHOLE_VIEWS = ['floor', 'alerts', 'conflicts', 'orders', 'fleet'] as const;
export type WholeView = (typeof WHOLE_VIEWS)[number];

/**
 * A /views answer: each view's changes since what the screen holds (the whole view when it holds none from here), as
 * its UTF-8 bytes, and what the live channel (live.ts) needs to know of it without reading it back.
 */
export interface ViewsAnswer {
  json: Buffer;
  /** The revisions the screen holds once it applied this answer (views-sync.ts heldAfter of it). */
  revisions: HeldRevisions;
  /** False when it sends nothing: every view null, from the instance the screen holds. */
  news: boolean;
  /** Epoch milliseconds (this machine's clock): the answer holds every change committed before this. */
  asOf: number;
}

/** The live views of one instance, as JSON text. */
export interface DashboardViews {
  update(viewer: AccountType, held: z.output<typeof ViewsQuery>): Promise<ViewsAnswer>;
  /** One view whole, in its schema's shape (the per-view routes; `show` is the Conflicts filter). */
  whole(view: WholeView, viewer: AccountType, show: ConflictsShow): Promise<string>;
  /** The Floor's open orders found (FloorOrders' shape), as fresh as the Floor a request now would be sent. */
  floorOrders(query: FloorOrdersQuery): Promise<string>;
  /**
   * The views a plain visit reads first (the Floor, Alerts, Conflicts open: early-reads.ts) brought up to date, as a
   * request now would have them; `aging`: also computed again when past half their age bound. live.ts calls it after
   * every change and (aging) every `keepMs` while no dashboard is open, so a dashboard opened on a quiet floor is
   * answered at once, not after the views were computed for it (the dashboard benchmark's first render). What is
   * worked out per viewer is left for a viewer's request.
   */
  keep(aging: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a view's freshness is judged by: the change counter, the problems' last numbers and the audit's last ids.
 * The audit's key is its last id and how many of the last AUDIT_WINDOW ids are committed: an id is taken at insert,
 * so a step can commit after one with a higher id (two admins at once), and the last id alone would not move when it
 * does (the views cached at that id would stay without it until their age bound and the next request). The problems'
 * key: the last refused and the last flagged event's server number and the last change to a QT-09 conflict (each an
 * index's last entry; numbered in commit order, changes.ts), so it moves with a new problem and not with every push.
 */
interface ViewKeys {
  head: number;
  problems: string;
  audit: string;
}

/** A request for views: when it arrived, the change keys read after that, and a tighter age bound for it (keep). */
interface Asked {
  arrived: number;
  keys: ViewKeys;
  maxAgeMs?: number;
}

/**
 * The age bound of an aging keep (live.ts, no dashboard open, every `keepMs`: 1.5 s): half the views' own, so a view
 * is computed again before a screen opening would find it past VIEW_MAX_AGE_MS and wait for its computation.
 */
const KEPT_MAX_AGE_MS = VIEW_MAX_AGE_MS / 2;

/**
 * What the views worked out per viewer depend on: the role and the department (alerts.ts alertsFor: which steps the
 * office rules allow, decided for a signer of that role and department; conflicts.ts conflictsFor: mayAct). The account
 * itself only names the signer of a step actually taken; alerts.test.ts checks two accounts alike are offered the same.
 */
const viewerClass = (viewer: AccountType) => `${viewer.role}\u0000${viewer.department ?? ''}`;

/** The live views read from `db` (this instance's own revisions: a new instance name each time). */
export function liveViews(pool: Db): DashboardViews {
  // At most VIEW_LANES reads at once: the rest of the pool stays free for the stations' pushes (db/lanes.ts).
  const db = inLanes(pool, VIEW_LANES);
  /** This instance's name in the screen's revisions: another instance's (or an earlier run's) revisions mean nothing here. */
  const instance = randomBytes(9).toString('base64url');
  const keys = new FreshRead(async (): Promise<ViewKeys> => {
    const [row] = await db.query<{ head: number; refused: number | null; flagged: number | null; conflicts: number | null; audit: number | null; recent: number }>(
      `WITH a AS (SELECT max(id) AS last FROM dashboard_audit)
       SELECT value AS head, a.last AS audit,
         (SELECT count(*)::int FROM dashboard_audit WHERE id > a.last - ${AUDIT_WINDOW}) AS recent,
         (SELECT max(server_seq) FROM events WHERE status = 'refused') AS refused,
         (SELECT max(server_seq) FROM events WHERE flag IS NOT NULL) AS flagged,
         (SELECT max(version) FROM documents WHERE kind = 'conflict') AS conflicts
       FROM change_counter, a`,
    );
    return {
      head: Number(row?.head ?? 0),
      problems: `${row?.refused ?? ''}/${row?.flagged ?? ''}/${row?.conflicts ?? ''}`,
      audit: `${row?.audit ?? ''}/${row?.recent ?? 0}`,
    };
  });
  const asked = async (): Promise<Asked> => {
    const arrived = performance.now();
    return { arrived, keys: await keys.get() };
  };
  /** A view's cache, keyed by what it is computed from. */
  const cache = <T>(keyOf: (k: ViewKeys) => string) => {
    const c = new LiveViewCache<T>({ maxAgeMs: VIEW_MAX_AGE_MS, minIntervalMs: VIEW_INTERVAL_MS, gatherMs: VIEW_GATHER_MS }, async () => keyOf(await keys.get()));
    return (a: Asked, compute: () => Promise<T>) => c.get(a.arrived, keyOf(a.keys), compute, a.maxAgeMs);
  };
  // Heartbeats move no change number: the view's age bound (5 s) is how fresh station health is, as on the Floor.
  const byHead = (k: ViewKeys) => String(k.head);
  // Orders and alerts also change by dashboard steps (drafts, audited), and the article master and the accounts only by
  // them (every step on either is audited, and notified: audit.ts); a conflict's review is written with its audit step
  // (conflicts.ts recordReview, one transaction): each is part of the key of what it changes. (The reviews' own last id
  // would miss a review committing after a later one.)
  const byAudit = (k: ViewKeys) => `${k.head}:${k.audit}`;
  // The article master and the accounts change by dashboard steps only: a station's push (the head) moves neither, and
  // computing them again 4 times a second on a busy floor was work (and garbage) for nothing.
  const byStepsOnly = (k: ViewKeys) => k.audit;
  // The Conflicts view: its problems (a new refused or flagged event, a QT-09 conflict changed) and their reviews; the
  // documents a problem names, shown as the server's side, within the age bound (5 s), as station health is. It was
  // keyed on every event: on a busy floor its 3 reads ran 4 times a second for a list that rarely changes.
  const byProblems = (k: ViewKeys) => `${k.problems}:${k.audit}`;

  // The floor's documents in memory, read since the last computation only (floor-view.ts).
  const floorDocs = new FloorDocuments();
  // The released MOs and their work orders' progress, likewise (orders.ts).
  const orderDocs = new OrderDocuments();
  const floorRevs = new ViewRevisions(FloorView, FLOOR_LISTS);
  const ordersRevs = new ViewRevisions(OrdersView, ORDERS_LISTS);
  const fleetRevs = new ViewRevisions(FleetView, FLEET_LISTS);
  const articlesRevs = new ViewRevisions(ArticleList, ARTICLES_LISTS);
  const accountsRevs = new ViewRevisions(AccountList, ACCOUNTS_LISTS);
  const floorCache = cache<typeof floorRevs>(byHead);
  const ordersCache = cache<typeof ordersRevs>(byAudit);
  const fleetCache = cache<typeof fleetRevs>(byHead);
  const articlesCache = cache<typeof articlesRevs>(byStepsOnly);
  const accountsCache = cache<typeof accountsRevs>(byStepsOnly);
  const alertsCache = cache<LoadedAlert[]>(byAudit);
  // One cache per filter: a cache computes one view (its waiting requests share that computation).
  const conflictsCaches = { open: cache<ConflictsView>(byProblems), resolved: cache<ConflictsView>(byProblems) };
  /** The last computation's value while it is the same as the new one: what was worked out per viewer from it stays. */
  const sameAsBefore = <T>() => {
    let last: { json: string; value: T } | null = null;
    return (value: T): T => {
      const json = JSON.stringify(value);
      if (last?.json === json) return last.value;
      last = { json, value };
      return value;
    };
  };
  const stableAlerts = sameAsBefore<LoadedAlert[]>();
  const stableConflicts: Record<ConflictsShow, (v: ConflictsView) => ConflictsView> = { open: sameAsBefore(), resolved: sameAsBefore() };
  /** Per class of viewer (viewerClass) and what it was worked out from. */
  const perViewer = <From, S extends z.ZodObject>(schema: S, lists: Readonly<Record<string, string>>) => {
    const byViewer = new Map<string, { from: From; revs: ViewRevisions<S> }>();
    return (viewer: AccountType, from: From, make: () => z.input<S>): ViewRevisions<S> => {
      const id = viewerClass(viewer);
      let e = byViewer.get(id);
      if (!e) {
        e = { from, revs: new ViewRevisions(schema, lists) };
        byViewer.set(id, e);
        e.revs.update(make());
      } else if (e.from !== from) {
        e.from = from;
        e.revs.update(make());
      }
      return e.revs;
    };
  };
  const alertsOf = perViewer<LoadedAlert[], typeof AlertsView>(AlertsView, ALERTS_LISTS);
  const conflictsOf = { open: perViewer<ConflictsView, typeof ConflictsView>(ConflictsView, CONFLICTS_LISTS), resolved: perViewer<ConflictsView, typeof ConflictsView>(ConflictsView, CONFLICTS_LISTS) };

  // In turns (turns.ts nextTurn): the documents brought up to date, the view built, its rows compared (view-revisions.ts),
  // each a millisecond or so on a big floor, each in a turn of its own, so a push waits for one of them at most.
  const floor = (a: Asked) =>
    floorCache(a, async () => {
      const view = await loadFloorView(db, floorDocs);
      await nextTurn();
      floorRevs.update(view);
      await nextTurn();
      return floorRevs;
    });
  const orders = (a: Asked) => ordersCache(a, async () => (ordersRevs.update(await loadOrdersView(db, orderDocs)), ordersRevs));
  // The stations' Fleet rows kept while unchanged, as the Floor's are (floorDocs).
  const fleetKept = fleetRows();
  const fleet = (a: Asked) => fleetCache(a, async () => (fleetRevs.update(await loadFleetView(db, fleetKept)), fleetRevs));
  const articles = (a: Asked) => articlesCache(a, async () => (articlesRevs.update({ articles: await listArticles(db) }), articlesRevs));
  /** The Accounts list for an admin; null for anyone else (nothing read, nothing sent). */
  const accounts = async (a: Asked, viewer: AccountType) =>
    viewer.role === 'admin' ? accountsCache(a, async () => (accountsRevs.update({ accounts: await listAccounts(db) }), accountsRevs)) : null;
  const loadedAlerts = (a: Asked) => alertsCache(a, async () => stableAlerts(await loadAlerts(db)));
  const alerts = async (a: Asked, viewer: AccountType) => {
    const loaded = await loadedAlerts(a);
    return alertsOf(viewer, loaded, () => alertsFor(viewer, loaded));
  };
  const loadedConflicts = (a: Asked, show: ConflictsShow) => conflictsCaches[show](a, async () => stableConflicts[show](await loadConflictsView(db, show)));
  const conflicts = async (a: Asked, show: ConflictsShow, viewer: AccountType) => {
    const view = await loadedConflicts(a, show);
    return conflictsOf[show](viewer, view, () => conflictsFor(viewer, view));
  };

  /**
   * The last answers as UTF-8 bytes, by what they hold, while Floor, Orders and Fleet stay at the same revisions. After
   * a change the open dashboards ask at once, mostly holding the same revisions: they are sent the same bytes, joined
   * and encoded once, where each answer's tens of kilobytes were joined, flattened and encoded per request on the
   * push path's event loop (the dashboard benchmark's push-ack p99).
   */
  let answers = { revisions: '', byKey: new Map<string, Omit<ViewsAnswer, 'asOf'>>() };

  /**
   * The answers asked for in this turn of the event loop, by class of viewer and what they hold: a live round asks for
   * every open stream at once (live.ts), and the streams of one role and department holding the same revisions (after
   * the first round, nearly all of them) are one question. Asked in the same turn, the later ones arrived no later
   * than the computation they join starts, so the answer is as fresh for them (live-view-cache.ts).
   */
  let thisTurn: Map<string, Promise<ViewsAnswer>> | null = null;
  function update(viewer: AccountType, held: z.output<typeof ViewsQuery>): Promise<ViewsAnswer> {
    const key = `${viewerClass(viewer)}\u0000${JSON.stringify(held)}`;
    if (!thisTurn) {
      const turn = new Map<string, Promise<ViewsAnswer>>();
      thisTurn = turn;
      setImmediate(() => {
        if (thisTurn === turn) thisTurn = null;
      });
    }
    const known = thisTurn.get(key);
    if (known) return known;
    const answer = answerFor(viewer, held);
    thisTurn.set(key, answer);
    return answer;
  }

  /**
   * The /views answer: each view's changes since what the screen holds (the whole view when it holds none from here),
   * for the views it keeps live (`held.views`; all when absent). A view it does not keep live is neither computed nor
   * sent: its part is null and its revision stays as held (dropped when held from another instance).
   */
  async function answerFor(viewer: AccountType, held: z.output<typeof ViewsQuery>): Promise<ViewsAnswer> {
    const live = new Set<ViewName>(held.views ?? VIEW_NAMES);
    const when = <T>(view: ViewName, compute: () => Promise<T>): Promise<T | null> => (live.has(view) ? compute() : Promise.resolve(null));
    const k = await asked();
    const [f, a, c, o, fl, ar, ac] = await Promise.all([
      when('floor', () => floor(k)),
      when('alerts', () => alerts(k, viewer)),
      when('conflicts', () => conflicts(k, held.show, viewer)),
      when('orders', () => orders(k)),
      when('fleet', () => fleet(k)),
      when('articles', () => articles(k)),
      when('accounts', () => accounts(k, viewer)),
    ]);
    const since = (rev: number | undefined) => (held.instance === instance ? (rev ?? null) : null);
    const part = (revs: ViewRevisions<z.ZodObject> | null, rev: number | undefined) => revs?.delta(since(rev)) ?? 'null';
    /** A view's revision once the screen applied the answer: the one sent, or the one held when not computed. */
    const after = (revs: ViewRevisions<z.ZodObject> | null, rev: number | undefined) => (revs ? revs.revision : (since(rev) ?? undefined));
    // The shared views' revisions now (also of those this screen does not keep live: screens keeping other views
    // live share the kept answers while nothing changed).
    const revisions = `${floorRevs.revision}:${ordersRevs.revision}:${fleetRevs.revision}:${articlesRevs.revision}`;
    if (answers.revisions !== revisions) answers = { revisions, byKey: new Map() };
    // Alerts, Conflicts and Accounts are per viewer, mostly 'null' (nothing new, or not an admin) and short otherwise:
    // keyed by their text, so an answer holding the Accounts list is only ever sent again where that text is the same.
    // Every revision held is part of the key too: the answer's revisions say them back for the views it leaves alone.
    const [alertsPart, conflictsPart, accountsPart] = [part(a, held.alerts), part(c, held.conflicts), part(ac, held.accounts)];
    const key = `${[...live].join(',')}:${VIEW_NAMES.map((v) => since(held[v])).join(':')}:${held.show}:${alertsPart}:${conflictsPart}:${accountsPart}`;
    const asOf = performance.timeOrigin + k.arrived;
    const known = answers.byKey.get(key);
    if (known) return { ...known, asOf };
    const parts = [part(f, held.floor), alertsPart, conflictsPart, part(o, held.orders), part(fl, held.fleet), accountsPart, part(ar, held.articles)] as const;
    // Every view sent is brought to its current revision, one computed and not sent is held at it already, and one
    // not computed stays as held (absent: not held).
    const revisionsAfter: HeldRevisions = { instance };
    const computed = { floor: f, alerts: a, conflicts: c, orders: o, fleet: fl, articles: ar, accounts: ac } satisfies Record<ViewName, ViewRevisions<z.ZodObject> | null>;
    for (const v of VIEW_NAMES) {
      const rev = after(computed[v], held[v]);
      if (rev !== undefined) revisionsAfter[v] = rev;
    }
    const answer = {
      json: Buffer.from(
        `{"instance":${JSON.stringify(instance)},"conflictsShow":${JSON.stringify(held.show)},` +
          `"floor":${parts[0]},"alerts":${parts[1]},"conflicts":${parts[2]},"orders":${parts[3]},"fleet":${parts[4]},"accounts":${parts[5]},"articles":${parts[6]}}`,
      ),
      revisions: revisionsAfter,
      news: held.instance !== instance || parts.some((p) => p !== 'null'),
    };
    if (answers.byKey.size < MAX_KEPT_ANSWERS) answers.byKey.set(key, answer);
    return { ...answer, asOf };
  }

  async function whole(view: WholeView, viewer: AccountType, show: ConflictsShow): Promise<string> {
    const k = await asked();
    switch (view) {
      case 'floor':
        return (await floor(k)).whole();
      case 'alerts':
        return (await alerts(k, viewer)).whole();
      case 'conflicts':
        return (await conflicts(k, show, viewer)).whole();
      case 'orders':
        return (await orders(k)).whole();
      case 'fleet':
        return (await fleet(k)).whole();
    }
  }

  async function floorOrders(query: FloorOrdersQuery): Promise<string> {
    // The documents brought up to date (or a computation as fresh as this request joined); then found among them.
    await floor(await asked());
    return JSON.stringify(floorDocs.findOrders(query));
  }

  async function keep(aging: boolean): Promise<void> {
    const k: Asked = { ...(await asked()), maxAgeMs: aging ? KEPT_MAX_AGE_MS : undefined };
    await Promise.all([floor(k), loadedAlerts(k), loadedConflicts(k, 'open')]);
  }

  // Nothing of its own to close: it reads through `db`, which its owner closes.
  return { update, whole, floorOrders, keep, close: async () => undefined };
}
