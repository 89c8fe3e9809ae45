/**
 * The dashboard's state (zustand): the session, the language, which view is open, the last live views read from the
 * server (Floor, Alerts, Conflicts, Orders, Fleet, the article master and, for an admin, the Accounts list) and the live
 * channel's state. Server state is only ever replaced by what the server sent (a read, or the live channel's `views`:
 * what changed since what is held), never edited here.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AccountList, AlertAction, AlertsView, ArticleList, ConflictReviewBody, ConflictsShow, ConflictsView, FleetView, FloorView, IssuedCode, NewAccountInput, NewOrderInput, NewStationCodeInput, OrdersView, SessionInfo, ViewsUpdate } from '../../sync-server/dashboard/contract';
import type { OwnPasswordInput } from '../../sync-server/dashboard/accounts-contract';
import type { ArticleEditInput, NewArticleInput } from '../../sync-server/dashboard/articles-contract';
import type { NewRosterOperatorInput, RosterView } from '../../sync-server/dashboard/roster-contract';
import { ACCOUNTS_LISTS, ALERTS_LISTS, ARTICLES_LISTS, CONFLICTS_LISTS, FLEET_LISTS, FLOOR_LISTS, ORDERS_LISTS } from '../../sync-server/dashboard/contract';
import { applyDelta, DeltaMismatch, heldAfter, type HeldRevisions, type ViewName } from '../../sync-server/dashboard/views-sync';
import { api, ApiError, openLive } from './api';
import { UI, type Lang, type UiKey } from './messages';

export type View = 'floor' | 'orders' | 'fleet' | 'alerts' | 'conflicts' | 'reports' | 'import' | 'accounts' | 'roster' | 'password';
const VIEWS: readonly View[] = ['floor', 'orders', 'fleet', 'alerts', 'conflicts', 'reports', 'import', 'accounts', 'roster', 'password'];
export type CsvKind = 'operators' | 'articles';

/** Kept live whatever the screen: the Floor (the header's time), Alerts and Conflicts (the header's counts). */
const ALWAYS_LIVE: readonly ViewName[] = ['floor', 'alerts', 'conflicts'];
/** What each screen shows beyond them (the Orders form chooses an article; Reports choose an MO). */
const SHOWN: Readonly<Record<View, readonly ViewName[]>> = {
  floor: [],
  orders: ['orders', 'articles'],
  fleet: ['fleet'],
  alerts: [],
  conflicts: [],
  reports: ['orders'],
  import: ['articles'],
  accounts: ['accounts'],
  roster: [],
  password: [],
};

/**
 * The views the server computes and sends while `view` is on screen: a view nobody looks at costs the server work on
 * every change of a busy floor (the dashboard benchmark's push-ack tail). The others stay as last read, and are
 * brought up to date (what changed since) when a screen showing them opens.
 */
export function liveViewsOf(view: View): readonly ViewName[] {
  return [...ALWAYS_LIVE, ...SHOWN[view]];
}
export interface Notice {
  tone: 'ok' | 'error';
  key: UiKey;
  vars?: Record<string, string | number>;
  /** Fields the server refused (`quantity`, `cutParts`), with the CSV line for an import: shown with their hint in the reader's language. */
  issues?: readonly { line?: number; field: string; message: string }[];
}

/**
 * A refused write as the reader's sentence: the fields the server named (`rename`d where a form calls a field
 * otherwise: an operator's `id` is its badge), or its error code's sentence.
 */
export function refusalNotice(err: unknown, rename: Readonly<Record<string, string>> = {}): Notice {
  if (err instanceof ApiError) {
    if (err.code === 'csv_rejected') {
      const issues = err.issues.map((i) => ({ line: Number(i.path.split('.')[0]), field: i.path.split('.').slice(1).join('.'), message: i.message }));
      return { tone: 'error', key: 'csvRejected', vars: { rows: new Set(issues.map((i) => i.line)).size }, issues };
    }
    if (err.issues.length > 0) {
      const issues = err.issues.map((i) => {
        const field = i.path.split('.')[1] ?? i.path;
        return { field: rename[field] ?? field, message: i.message };
      });
      return { tone: 'error', key: 'badInput', issues: issues.filter((i, n) => issues.findIndex((j) => j.field === i.field) === n) };
    }
    const key = `error.${err.code}`;
    if (key in UI) return { tone: 'error', key: key as UiKey };
  }
  return { tone: 'error', key: 'failed', vars: { message: err instanceof Error ? err.message : String(err) } };
}

export interface DashboardState {
  lang: Lang;
  /** undefined: not known yet (booting); null: logged out. */
  session: SessionInfo | null | undefined;
  view: View;
  floor: FloorView | null;
  alerts: AlertsView | null;
  conflicts: ConflictsView | null;
  /** Which conflicts the Conflicts view lists: still open, or resolved. */
  conflictsShow: ConflictsShow;
  orders: OrdersView | null;
  fleet: FleetView | null;
  /** The last enrollment code issued here: shown once, gone when the view changes (the server keeps only its hash). */
  issuedCode: IssuedCode | null;
  /** The article master, live (every refresh: what changed since the revision held). */
  articles: ArticleList | null;
  /** Admins only, live as the article master (the server sends it to no other role). */
  accounts: AccountList | null;
  /** The floor roster (no PIN hash), read when the Roster view opens, while it is open and after each step. */
  roster: RosterView | null;
  /** A password or PIN the server generated: shown once, gone when the view changes (the server keeps only its hash). */
  shownSecret: { kind: 'password' | 'pin'; id: string; secret: string; /** The PIN of an operator, or the password of an account, just added (shown under the form). */ added?: boolean } | null;
  live: 'live' | 'connecting' | 'down';
  busy: boolean;
  notice: Notice | null;
  loginNotice: Notice | null;
}

/** The article form's fields as the hints name them (the code is the import's `article`). */
const ARTICLE_FIELDS = { code: 'article', name: 'articleName' } as const;
const LANG_KEY = 'qsf.dashboard.lang';
/** The live channel lost: read and open it again after this, doubling while it keeps failing, up to MAX_RETRY_MS. */
const RETRY_MS = 2_000;
const MAX_RETRY_MS = 15_000;

export interface Dashboard {
  store: StoreApi<DashboardState>;
  boot(): Promise<void>;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  setLang(lang: Lang): void;
  show(view: View): void;
  act(alertId: string, action: AlertAction, note: string): Promise<boolean>;
  showConflicts(show: ConflictsShow): Promise<void>;
  reviewConflict(eventId: string, review: ConflictReviewBody): Promise<boolean>;
  /** Without a password the server generates one, shown once (under the form). */
  createAccount(account: NewAccountInput): Promise<boolean>;
  setAccountDisabled(id: string, disabled: boolean): Promise<boolean>;
  /** `password` undefined: the server generates one, shown once. */
  resetPassword(id: string, password: string | undefined): Promise<boolean>;
  changeOwnPassword(body: OwnPasswordInput): Promise<boolean>;
  setOperatorActive(id: string, active: boolean): Promise<boolean>;
  /** `pin` undefined: the server generates one, shown once. */
  resetPin(id: string, pin: string | undefined): Promise<boolean>;
  /** One operator for the roster; without a PIN the server generates one, shown once. */
  addOperator(operator: NewRosterOperatorInput): Promise<boolean>;
  createOrder(order: NewOrderInput): Promise<boolean>;
  approveOrder(id: string): Promise<boolean>;
  importCsv(what: CsvKind, csv: string): Promise<boolean>;
  /** An article with its bill for the master (the CSV import's writer); an existing one's name and bill. */
  createArticle(article: NewArticleInput): Promise<boolean>;
  editArticle(code: string, edit: ArticleEditInput): Promise<boolean>;
  issueCode(request: NewStationCodeInput): Promise<boolean>;
  revokeStation(id: string): Promise<boolean>;
}

export function createDashboard(storage: Pick<Storage, 'getItem' | 'setItem'>): Dashboard {
  const saved = storage.getItem(LANG_KEY);
  const store = createStore<DashboardState>(() => ({
    lang: saved === 'en' ? 'en' : 'id',
    session: undefined,
    view: VIEWS.find((v) => location.hash === `#${v}`) ?? 'floor',
    floor: null,
    alerts: null,
    conflicts: null,
    conflictsShow: 'open',
    orders: null,
    fleet: null,
    issuedCode: null,
    articles: null,
    accounts: null,
    roster: null,
    shownSecret: null,
    live: 'connecting',
    busy: false,
    notice: null,
    loginNotice: null,
  }));
  let stopLive: (() => void) | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let retryMs = RETRY_MS;
  let reading: Promise<void> | null = null;
  let again = false;
  /** The revisions of the live views in the store (views-sync.ts): a read or the live channel sends only what changed since. */
  let held: HeldRevisions = { instance: null };
  /** The views the last read and the live channel asked for (liveViewsOf the screen then shown). */
  let keptLive: readonly ViewName[] = [];
  /** The first views, asked together with the session at boot (the first render waits for both at once). */
  let prefetched: Promise<ViewsUpdate | null> | null = null;

  const closeLive = () => {
    stopLive?.();
    stopLive = null;
    if (retry) clearTimeout(retry);
    retry = null;
  };

  const loggedOut = (notice: Notice | null) => {
    closeLive();
    held = { instance: null };
    prefetched = null;
    store.setState({ session: null, floor: null, alerts: null, conflicts: null, orders: null, fleet: null, issuedCode: null, articles: null, accounts: null, roster: null, shownSecret: null, loginNotice: notice });
  };

  /**
   * A /views answer (read, or sent by the live channel) applied to what the store holds. False when it did not fit:
   * a delta from another revision than the one held (what is held is then forgotten), or a Conflicts list of the
   * other filter (switched meanwhile): either way the views are read again.
   */
  const apply = (update: ViewsUpdate): boolean => {
    const s = store.getState();
    try {
      const conflictsFit = update.conflictsShow === s.conflictsShow;
      store.setState({
        floor: update.floor ? applyDelta(s.floor, held.floor, update.floor, FLOOR_LISTS) : s.floor,
        alerts: update.alerts ? applyDelta(s.alerts, held.alerts, update.alerts, ALERTS_LISTS) : s.alerts,
        conflicts: !conflictsFit ? null : update.conflicts ? applyDelta(s.conflicts, held.conflicts, update.conflicts, CONFLICTS_LISTS) : s.conflicts,
        orders: update.orders ? applyDelta(s.orders, held.orders, update.orders, ORDERS_LISTS) : s.orders,
        fleet: update.fleet ? applyDelta(s.fleet, held.fleet, update.fleet, FLEET_LISTS) : s.fleet,
        accounts: update.accounts ? applyDelta(s.accounts, held.accounts, update.accounts, ACCOUNTS_LISTS) : s.accounts,
        articles: update.articles ? applyDelta(s.articles, held.articles, update.articles, ARTICLES_LISTS) : s.articles,
      });
      held = heldAfter(held, update);
      if (!conflictsFit) delete held.conflicts;
      return conflictsFit;
    } catch (err) {
      if (!(err instanceof DeltaMismatch)) throw err;
      held = { instance: null };
      return false;
    }
  };

  /**
   * The live views brought up to date: the live channel closed, one read of what changed since what is held, then the
   * channel opened again from there (live.ts sends each change after what it was opened with). At boot, on every
   * action (its outcome then on screen with the notice), when a live update does not fit, and after the channel was
   * lost (again and again, waiting longer each time, while the server cannot be read). One at a time; asked during
   * one: once more after it.
   */
  const refresh = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    closeLive();
    reading = (async () => {
      let failed = false;
      do {
        again = false;
        failed = false;
        try {
          const show = store.getState().conflictsShow;
          const early = prefetched && held.instance === null ? await prefetched : null;
          prefetched = null;
          const wanted = liveViewsOf(store.getState().view);
          const fits = early && early.conflictsShow === show && keptLive.join() === wanted.join();
          keptLive = wanted;
          if (!apply(fits ? early : await api.views(held, show, keptLive))) again = true;
          if (store.getState().view === 'roster') store.setState({ roster: await api.roster() });
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) return loggedOut({ tone: 'error', key: 'sessionEnded' });
          store.setState({ live: 'down' });
          failed = true;
        }
      } while (again);
      if (!store.getState().session || store.getState().session?.mustChangePassword) return;
      if (failed) return lost();
      retryMs = RETRY_MS;
      openChannel();
    })().finally(() => {
      reading = null;
    });
    return reading;
  };

  /** The live channel lost (or the read before it failed): read and open again after a while, longer each time (to 15 s). */
  const lost = () => {
    closeLive();
    retry = setTimeout(() => void refresh(), retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  };

  const openChannel = () => {
    stopLive = openLive(held, store.getState().conflictsShow, keptLive, {
      views: (update) => {
        if (!apply(update)) return void refresh();
        store.setState({ live: 'live' });
      },
      state: (live) => store.setState({ live }),
      lost: () => {
        store.setState({ live: 'connecting' });
        lost();
      },
      ended: () => loggedOut({ tone: 'error', key: 'sessionEnded' }),
    });
  };

  const started = (session: SessionInfo) => {
    if (session.mustChangePassword) {
      // An admin set this password: nothing but My password (the server refuses the rest) until it is changed.
      closeLive();
      history.replaceState(null, '', '#password');
      store.setState({ session, view: 'password', loginNotice: null, notice: null });
      return;
    }
    store.setState({ session, loginNotice: null });
    void refresh();
    opened(store.getState().view);
  };

  /** What a view reads when it opens (beyond the live views every refresh reads). */
  const opened = (view: View) => {
    if (view === 'roster') void readRoster();
  };

  const readRoster = async () => {
    try {
      store.setState({ roster: await api.roster() });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) loggedOut({ tone: 'error', key: 'sessionEnded' });
    }
  };

  /** A write with the session's CSRF token: busy while it runs, its outcome as the notice. */
  const write = async (run: (csrf: string) => Promise<Notice>, rename: Readonly<Record<string, string>> = {}): Promise<boolean> => {
    const s = store.getState().session;
    if (!s || store.getState().busy) return false;
    store.setState({ busy: true, notice: null });
    try {
      store.setState({ notice: await run(s.csrfToken) });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) loggedOut({ tone: 'error', key: 'sessionEnded' });
      else store.setState({ notice: refusalNotice(err, rename) });
      return false;
    } finally {
      store.setState({ busy: false });
    }
  };

  return {
    store,
    async boot() {
      keptLive = liveViewsOf(store.getState().view);
      prefetched = api.views(held, store.getState().conflictsShow, keptLive).catch(() => null);
      try {
        started(await api.session());
      } catch {
        loggedOut(null);
      }
    },
    async login(username, password) {
      store.setState({ busy: true, loginNotice: null });
      try {
        started(await api.login(username, password));
      } catch (err) {
        const notice: Notice =
          err instanceof ApiError && err.status === 429
            ? { tone: 'error', key: 'tooManyAttempts', vars: { seconds: err.retryAfter ?? 60 } }
            : err instanceof ApiError && err.status === 0
              ? { tone: 'error', key: 'serverDown' }
              : { tone: 'error', key: 'loginFailed' };
        store.setState({ loginNotice: notice });
      } finally {
        store.setState({ busy: false });
      }
    },
    async logout() {
      const s = store.getState().session;
      if (s) await api.logout(s.csrfToken).catch(() => undefined);
      loggedOut(null);
    },
    setLang(lang) {
      storage.setItem(LANG_KEY, lang);
      store.setState({ lang });
    },
    show(view) {
      if (store.getState().session?.mustChangePassword) return;
      history.replaceState(null, '', `#${view}`);
      store.setState({ view, notice: null, issuedCode: null, shownSecret: null });
      // Another set of live views: read what changed in those now shown, and the channel opened again for them.
      if (liveViewsOf(view).join() !== keptLive.join()) void refresh();
      opened(view);
    },
    act(alertId, action, note) {
      return write(async (csrf) => {
        await api.alertAction(csrf, alertId, action, note);
        await refresh();
        return { tone: 'ok', key: 'actionDone' };
      });
    },
    async showConflicts(show) {
      // The live channel sends one filter's list (its query's): read, and opened again, with the other.
      delete held.conflicts;
      store.setState({ conflictsShow: show, conflicts: null });
      await refresh();
    },
    reviewConflict(eventId, review) {
      return write(async (csrf) => {
        await api.reviewConflict(csrf, eventId, review);
        await refresh();
        return { tone: 'ok', key: 'reviewDone' };
      });
    },
    createAccount(account) {
      return write(async (csrf) => {
        const created = await api.createAccount(csrf, account);
        store.setState({ shownSecret: created.generatedPassword === null ? null : { kind: 'password', id: created.id, secret: created.generatedPassword, added: true } });
        await refresh();
        return { tone: 'ok', key: 'created', vars: { id: created.id } };
      });
    },
    setAccountDisabled(id, disabled) {
      return write(async (csrf) => {
        await api.setAccountDisabled(csrf, id, disabled);
        await refresh();
        return { tone: 'ok', key: disabled ? 'accountDisabled' : 'accountEnabled', vars: { id } };
      });
    },
    resetPassword(id, password) {
      return write(async (csrf) => {
        const done = await api.resetPassword(csrf, id, password === undefined ? {} : { password });
        store.setState({ shownSecret: done.generatedPassword === null ? null : { kind: 'password', id, secret: done.generatedPassword } });
        // Now marked: its owner replaces it at the next login.
        await refresh();
        return { tone: 'ok', key: 'passwordReset', vars: { id } };
      });
    },
    changeOwnPassword(body) {
      return write(async (csrf) => {
        await api.changeOwnPassword(csrf, body);
        // The change an admin's password asked for is done: the dashboard opens.
        if (store.getState().session?.mustChangePassword) started(await api.session());
        return { tone: 'ok', key: 'passwordChanged' };
      });
    },
    setOperatorActive(id, active) {
      return write(async (csrf) => {
        await api.setOperatorActive(csrf, id, active);
        await readRoster();
        return { tone: 'ok', key: active ? 'operatorReactivated' : 'operatorDeactivated', vars: { id } };
      });
    },
    resetPin(id, pin) {
      return write(async (csrf) => {
        const done = await api.resetPin(csrf, id, pin === undefined ? {} : { pin });
        store.setState({ shownSecret: done.generatedPin === null ? null : { kind: 'pin', id, secret: done.generatedPin } });
        return { tone: 'ok', key: 'pinReset', vars: { id } };
      });
    },
    addOperator(operator) {
      return write(async (csrf) => {
        const done = await api.addOperator(csrf, operator);
        store.setState({ shownSecret: done.generatedPin === null ? null : { kind: 'pin', id: done.id, secret: done.generatedPin, added: true } });
        await readRoster();
        return { tone: 'ok', key: 'operatorAdded', vars: { id: done.id } };
      }, { id: 'badge' });
    },
    createOrder(order) {
      return write(async (csrf) => {
        await api.createOrder(csrf, order);
        await refresh();
        return { tone: 'ok', key: 'orderCreated', vars: { id: order.id } };
      });
    },
    importCsv(what, csv) {
      return write(async (csrf) => {
        const done = await api.importCsv(csrf, what, csv);
        if (what === 'articles') await refresh();
        return { tone: 'ok', key: what === 'articles' ? 'importedArticles' : 'importedOperators', vars: { n: done.imported, ids: done.ids.join(', ') } };
      });
    },
    createArticle(article) {
      return write(async (csrf) => {
        const saved = await api.createArticle(csrf, article);
        await refresh();
        return { tone: 'ok', key: 'articleAdded', vars: { code: saved.code } };
      }, ARTICLE_FIELDS);
    },
    editArticle(code, edit) {
      return write(async (csrf) => {
        const saved = await api.editArticle(csrf, code, edit);
        await refresh();
        return { tone: 'ok', key: 'articleSaved', vars: { code: saved.code } };
      }, ARTICLE_FIELDS);
    },
    issueCode(request) {
      return write(async (csrf) => {
        const issued = await api.issueCode(csrf, request);
        store.setState({ issuedCode: issued });
        await refresh();
        return { tone: 'ok', key: 'codeIssued', vars: { id: issued.stationId } };
      });
    },
    revokeStation(id) {
      return write(async (csrf) => {
        await api.revokeStation(csrf, id);
        await refresh();
        return { tone: 'ok', key: 'stationRevoked', vars: { id } };
      });
    },
    approveOrder(id) {
      return write(async (csrf) => {
        const approved = await api.approveOrder(csrf, id);
        await refresh();
        return { tone: 'ok', key: 'orderApproved', vars: { id, spks: approved.workOrders.length } };
      });
    },
  };
}
