/**
 * The dashboard's HTTP contract: what the sync server answers and what the dashboard screen (renderer/dashboard)
 * parses. Plain zod, no Node import, so the screen's Vite build bundles it; the server's routes declare these as their
 * response schemas, so a change that breaks the screen breaks the server's compile too.
 */
import { z } from 'zod';
import { Department, LineId, ManufacturingOrder, StationId } from '../../shared/master';

/** Who logs in to the dashboard (not the floor roster: operators log in at stations with badge + PIN). */
export const DashboardRole = z.enum(['admin', 'ppic', 'supervisor', 'qc']);
export type DashboardRole = z.infer<typeof DashboardRole>;
export const DASHBOARD_ROLES: readonly DashboardRole[] = DashboardRole.options;

export const AccountId = z.string().regex(/^[a-z0-9][a-z0-9._-]{2,31}$/, 'user name: 3–32 of a–z, 0–9, ".", "_", "-"');

export const Account = z.object({
  id: z.string(),
  name: z.string(),
  role: DashboardRole,
  /** A supervisor's department; a QC inspector's (null: every department); null for admin and PPIC. */
  department: z.string().nullable(),
});
export type Account = z.infer<typeof Account>;

/** The logged-in person and the CSRF token every write must send back in `x-csrf-token`. */
export const SessionInfo = z.object({
  account: Account,
  csrfToken: z.string(),
  /**
   * The account's password was set by an admin (created or reset): until its owner changes it (My password), every
   * route but this session's, logout and the password change answers 403 password_change_required.
   */
  mustChangePassword: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const CSRF_HEADER = 'x-csrf-token';

export const LoginBody = z.object({
  username: z.string().trim().toLowerCase().pipe(AccountId),
  password: z.string().min(1, 'enter the password').max(200),
});

/** A station's status as the Fleet shows it: up or not, and its sync health. */
export const StationStatus = z.object({
  id: z.string(),
  name: z.string(),
  department: z.string(),
  lineId: z.string().nullable(),
  online: z.boolean(),
  revoked: z.boolean(),
  /** Last push or heartbeat the server received (ISO), null: never. */
  lastSyncAt: z.string().nullable(),
  backlog: z.number().nullable(),
  clockSkewMs: z.number().nullable(),
});
/**
 * A station on the Floor: which are up. Its sync health is the Fleet's (it changes with every push: on every open
 * Floor, four times a second, it was most of what the live channel sent).
 */
export const FloorStation = StationStatus.pick({ id: true, name: true, department: true, lineId: true, online: true, revoked: true });
export type FloorStation = z.infer<typeof FloorStation>;

/** One work order (SPK) at one place: pieces there now (complete sets at cutting), of what was planned. */
export const PlaceWip = z.object({ place: z.string(), workOrderId: z.string(), wip: z.number(), planned: z.number(), status: z.string() });
export const OrderWip = z.object({
  moId: z.string(),
  articleCode: z.string(),
  route: z.string(),
  destination: z.string(),
  shipWeek: z.string(),
  places: z.array(PlaceWip),
  inTransit: z.number(),
});
export type OrderWip = z.infer<typeof OrderWip>;

export const DepartmentWip = z.object({ department: z.string(), wip: z.number(), workOrders: z.number() });

export const TransferRow = z.object({
  id: z.string(),
  moId: z.string(),
  articleCode: z.string(),
  quantity: z.number(),
  from: z.string(),
  to: z.string(),
  status: z.string(),
  createdAt: z.string().nullable(),
});

export const LineRow = z.object({
  id: z.string(),
  department: z.string(),
  occupant: z.object({ articleCode: z.string(), destination: z.string(), workOrderId: z.string() }).nullable(),
  halted: z.boolean(),
  haltCause: z.string().nullable(),
  verification: z.string(),
  openAlerts: z.number(),
});

/** Labour time on one SPK (shared/rules/labour.ts `labourWorked`, at the view's `at`): running clocks go on counting. */
export const SpkLabour = z.object({
  workOrderId: z.string(),
  place: z.string(),
  totalMs: z.number(),
  operators: z.array(z.object({ operatorId: z.string(), state: z.enum(['running', 'paused', 'finished']), workedMs: z.number() })),
});
export type SpkLabour = z.infer<typeof SpkLabour>;

/**
 * Open orders the Floor lists, the first by MO id; the rest are found by search (`GET /api/dashboard/floor/orders`).
 * Every open order sent to every screen (2,000 on a big floor: 1.25 MB, its parse and its layout) was most of the
 * Floor's first render, for a list nobody reads past its first screens.
 */
export const FLOOR_ORDERS_LISTED = 25;
/**
 * Rows each of the Floor screen's other lists (stations not online, lines, transfers, labour) shows before its "show
 * all": a big floor's 200 stations and 200 lines, with their cells, were most of its first render (layout alone ~120 ms).
 */
export const FLOOR_ROWS_SHOWN = 20;
/** The most orders one search answers ("show all" on a floor of up to this many open orders). */
export const FLOOR_ORDERS_MAX = 20_000;

export const FloorView = z.object({
  at: z.string(),
  stations: z.array(FloorStation),
  departments: z.array(DepartmentWip),
  /** The first FLOOR_ORDERS_LISTED open orders by MO id, and how many are open in all. */
  orders: z.array(OrderWip),
  ordersOpen: z.number().int().nonnegative(),
  transfersInTransit: z.array(TransferRow),
  lines: z.array(LineRow),
  labour: z.array(SpkLabour),
});
export type FloorView = z.infer<typeof FloorView>;

/**
 * `GET /api/dashboard/floor/orders`: the open orders whose MO id, article or destination holds `find` (any case; all
 * when empty), the first `limit` of them by MO id, from the same computation as the live Floor.
 */
export const FloorOrdersQuery = z.object({
  find: z.string().trim().max(80).default(''),
  limit: z.coerce.number().int().min(1).max(FLOOR_ORDERS_MAX).default(FLOOR_ORDERS_LISTED),
});
export type FloorOrdersQuery = z.output<typeof FloorOrdersQuery>;
/** The orders found, and how many match in all (more than listed when `limit` cut them). */
export const FloorOrders = z.object({ orders: z.array(OrderWip), matching: z.number().int().nonnegative() });
export type FloorOrders = z.infer<typeof FloorOrders>;

/** A dashboard step on an alert, decided by the floor's rules (shared/rules/office-alerts.ts). */
export const AlertAction = z.enum(['acknowledge', 'investigate', 'close']);
export type AlertAction = z.infer<typeof AlertAction>;

/** One step in an alert's timeline: from the floor (a station's event) or from the dashboard (`by`: the account). */
export const AlertTimelineStep = z.object({
  source: z.enum(['floor', 'dashboard']),
  status: z.string(),
  by: z.string().nullable(),
  at: z.string(),
  note: z.string(),
});

export const AlertRow = z.object({
  id: z.string(),
  severity: z.string(),
  type: z.string(),
  message: z.string(),
  lineId: z.string().nullable(),
  workOrderId: z.string().nullable(),
  department: z.string().nullable(),
  /** The floor's status (changed by station events and dashboard steps, both decided by the rules). */
  status: z.string(),
  closedBecause: z.string().nullable(),
  raisedAt: z.string(),
  /** The halt on the line is this alert's (it closes with the line's release at the station). */
  haltsLine: z.boolean(),
  timeline: z.array(AlertTimelineStep),
  /** What the logged-in person may still do here on the dashboard. */
  actions: z.array(AlertAction),
});
export type AlertRow = z.infer<typeof AlertRow>;

export const AlertsView = z.object({ alerts: z.array(AlertRow) });
export type AlertsView = z.infer<typeof AlertsView>;

export const AlertActionBody = z.object({ note: z.string().trim().max(500).default('') });

const NewAccountFields = z.object({
  id: AccountId,
  name: z.string().trim().min(1).max(80),
  role: DashboardRole,
  department: z.enum(['cutting', 'embroidery', 'sewing', 'finishing', 'packing']).nullable().default(null),
  password: z.string().min(10, 'at least 10 characters').max(200),
});
const accountRoleRule = (a: { role: DashboardRole; department: string | null }, ctx: z.RefinementCtx) => {
  if (a.role === 'supervisor' && a.department === null) ctx.addIssue({ code: 'custom', path: ['department'], message: 'a supervisor needs a department' });
  if ((a.role === 'admin' || a.role === 'ppic') && a.department !== null) ctx.addIssue({ code: 'custom', path: ['department'], message: `${a.role} has no department` });
};
/** An account with its password (the first admin's, the demo login's, the one an admin typed). */
export const NewAccountBody = NewAccountFields.superRefine(accountRoleRule);
export type NewAccountBody = z.infer<typeof NewAccountBody>;
/** The admin's new-account form: the password typed, or none (the server generates one and answers it once). */
export const NewAccountRequest = NewAccountFields.extend({ password: NewAccountFields.shape.password.optional() }).superRefine(accountRoleRule);
export type NewAccountInput = z.input<typeof NewAccountRequest>;

export const AccountList = z.object({
  accounts: z.array(
    Account.extend({
      disabled: z.boolean(),
      /** Its password was set by an admin (created or reset) and its owner has not replaced it yet. */
      mustChangePassword: z.boolean(),
    }),
  ),
});
export type AccountList = z.infer<typeof AccountList>;


/** The answer of a write that has nothing else to say. */
export const Ok = z.object({ ok: z.literal(true) });

/** A review of a refused or flagged event (dashboard/conflicts.ts): resolved once (accepted or dismissed), follow-ups before. */
export const ReviewDecision = z.enum(['accepted', 'dismissed', 'follow_up']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;
export const ConflictReview = z.object({ decision: ReviewDecision, by: z.string(), at: z.string(), note: z.string() });
export const ConflictReviewBody = z.object({ decision: ReviewDecision, note: z.string().trim().min(3, 'write a note (at least 3 characters)').max(500) });
export type ConflictReviewBody = z.infer<typeof ConflictReviewBody>;
/** The Conflicts view lists the open ones (default) or the resolved ones. */
export const ConflictsQuery = z.object({ show: z.enum(['open', 'resolved']).default('open') });
export type ConflictsShow = z.infer<typeof ConflictsQuery>['show'];

/** The server's side of a problem: a document the event names, or (seq_conflict) the event holding its seq. */
export const ServerHeld = z.object({
  kind: z.string(),
  id: z.string(),
  status: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** An event the server refused (kept, never dropped) or applied with a flag (clock ahead, roster, before enrollment). */
export const RecordedProblem = z.object({
  eventId: z.string(),
  stationId: z.string(),
  department: z.string().nullable(),
  seq: z.number(),
  type: z.string(),
  operatorId: z.string().nullable(),
  receivedAt: z.string(),
  code: z.string(),
  message: z.string(),
  /** What the station sent: the event's payload, as stored. */
  sent: z.record(z.string(), z.unknown()),
  /** What the server holds of what it names (empty: nothing to compare). */
  held: z.array(ServerHeld),
  review: z.enum(['open', 'follow_up', 'resolved']),
  reviews: z.array(ConflictReview),
  /** The logged-in person may review it (a supervisor of the station's department, QC, an admin). */
  mayReview: z.boolean(),
});
export type RecordedProblem = z.infer<typeof RecordedProblem>;

/** A QT-09 claim on pieces that are not (yet) the sender's to give, with both sides (ConflictDoc in shared/docs.ts). */
export const ConflictRow = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  moId: z.string(),
  workOrderId: z.string(),
  toWorkOrderId: z.string(),
  quantity: z.number(),
  claim: z.object({ type: z.string(), stationId: z.string(), operatorId: z.string().nullable(), at: z.string() }),
  holders: z.array(z.object({ transferId: z.string(), fromStationId: z.string(), quantity: z.number(), status: z.string() })),
  waiting: z.number(),
  resolution: z.object({ decision: z.string(), by: z.string().nullable(), note: z.string(), at: z.string() }).nullable(),
  raisedAt: z.string(),
});

export const ConflictsView = z.object({
  refused: z.array(RecordedProblem),
  flagged: z.array(RecordedProblem),
  conflicts: z.array(ConflictRow),
});
export type ConflictsView = z.infer<typeof ConflictsView>;

/** PPIC's new manufacturing order: the shared MO schema itself (shared/master.ts), nothing looser. */
export const NewOrderBody = ManufacturingOrder;
export type NewOrderInput = z.input<typeof NewOrderBody>;

/** One department's (or the vendor's) SPK of an order: complete sets done there (its last stage), WIP, planned. */
export const OrderProgress = z.object({
  place: z.string(),
  workOrderId: z.string(),
  status: z.string(),
  planned: z.number(),
  done: z.number(),
  wip: z.number(),
});

/** An MO: a draft until PPIC approves it (then its SPKs exist), or released (approved here, or by the admin API). */
export const OrderRow = z.object({
  id: z.string(),
  articleCode: z.string(),
  quantity: z.number(),
  route: z.string(),
  destination: z.string(),
  shipWeek: z.string(),
  cutParts: z.array(z.object({ part: z.string(), qtyPerSet: z.number() })),
  /** The article's WIP codes as the MO was made (absent on older orders): each SPK label names its department's. */
  wipCodes: z.object({ cutting: z.string(), embroidery: z.string().optional(), sewing: z.string() }).optional(),
  status: z.enum(['draft', 'released']),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  progress: z.array(OrderProgress),
});
export type OrderRow = z.infer<typeof OrderRow>;

export const OrdersView = z.object({ orders: z.array(OrderRow) });
export type OrdersView = z.infer<typeof OrdersView>;

export const ApprovedOrder = z.object({ id: z.string(), workOrders: z.array(z.string()) });

/** A CSV file as text (the screen reads the chosen file; UTF-8). */
export const CsvImportBody = z.object({ csv: z.string().min(1, 'choose a CSV file').max(2_000_000, 'at most 2 MB per file') });

/** What a file imported: every row (a file with any problem imports nothing: 422 `csv_rejected`, issues `<line>.<column>`). */
export const ImportResult = z.object({ imported: z.number(), ids: z.array(z.string()) });
export type ImportResult = z.infer<typeof ImportResult>;

export const ArticleRow = z.object({
  code: z.string(),
  name: z.string(),
  cutParts: z.array(z.object({ part: z.string(), qtyPerSet: z.number() })),
  /** Absent on an article kept before the master had WIP codes (shared/master.ts WipCodes). */
  wipCodes: z.object({ cutting: z.string(), embroidery: z.string().optional(), sewing: z.string() }).optional(),
});
export type ArticleRow = z.infer<typeof ArticleRow>;
export const ArticleList = z.object({ articles: z.array(ArticleRow) });
export type ArticleList = z.infer<typeof ArticleList>;

/** A station as the Fleet view shows it: its status plus app version and device health from its heartbeat. */
export const FleetStation = StationStatus.extend({
  revokedAt: z.string().nullable(),
  enrolledAt: z.string().nullable(),
  appVersion: z.string().nullable(),
  devices: z.array(z.object({ deviceId: z.string(), kind: z.string(), connected: z.boolean(), faults: z.number(), errors: z.number(), message: z.string().nullable() })),
});
export type FleetStation = z.infer<typeof FleetStation>;

export const FleetView = z.object({
  stations: z.array(FleetStation),
  /** Codes issued and not yet used nor expired (the code itself is never kept). */
  pendingCodes: z.array(z.object({ stationId: z.string(), department: z.string(), issuedAt: z.string(), expiresAt: z.string() })),
});
export type FleetView = z.infer<typeof FleetView>;

/** An admin's request for a station's one-time enrollment code. */
export const NewStationCode = z.object({
  stationId: StationId,
  department: Department,
  name: z.string().trim().min(1).max(120).optional(),
  lineId: LineId.optional(),
  ttlMinutes: z.number().int().min(5).max(7 * 24 * 60).default(24 * 60),
});
export type NewStationCode = z.infer<typeof NewStationCode>;
export type NewStationCodeInput = z.input<typeof NewStationCode>;

/** The code, shown once (the server keeps only its hash). */
export const IssuedCode = z.object({ stationId: z.string(), department: z.string(), code: z.string(), expiresAt: z.string() });
export type IssuedCode = z.infer<typeof IssuedCode>;

export const RevokedStation = z.object({ stationId: z.string(), revokedAt: z.string() });

/**
 * `GET /api/dashboard/views`: everything the screen keeps live (Floor, Alerts, Conflicts, Orders, Fleet, the article
 * master and, for an admin only, the Accounts list) in one
 * answer, each view as what changed since the revision the screen holds (view-revisions.ts; views-sync.ts applies
 * it). A view's keyed lists are sent row by row (the key property of each, below), its other fields whole.
 */
export const FLOOR_LISTS = { stations: 'id', orders: 'moId', transfersInTransit: 'id', lines: 'id', labour: 'workOrderId' } as const;
export const ALERTS_LISTS = { alerts: 'id' } as const;
export const CONFLICTS_LISTS = { refused: 'eventId', flagged: 'eventId', conflicts: 'id' } as const;
export const ORDERS_LISTS = { orders: 'id' } as const;
export const FLEET_LISTS = { stations: 'id' } as const;
export const ACCOUNTS_LISTS = { accounts: 'id' } as const;
export const ARTICLES_LISTS = { articles: 'code' } as const;

const Revision = z.number().int().nonnegative();
/** A keyed list's changed rows, and its key order when that changed (the held rows not listed are gone). */
const listDelta = <R extends z.ZodType>(row: R) => z.object({ keys: z.array(z.string()).optional(), rows: z.array(row) }).optional();
/** A view's changes after revision `base` (null: the whole view): its other fields as they are now, its lists' changed rows. */
const viewDelta = <F extends z.ZodRawShape, L extends z.ZodRawShape>(fields: z.ZodObject<F>, lists: L) =>
  z.object({ rev: Revision, base: Revision.nullable(), fields: fields.partial(), lists: z.object(lists) });

export const FloorDelta = viewDelta(FloorView.pick({ at: true, departments: true, ordersOpen: true }), {
  stations: listDelta(FloorStation),
  orders: listDelta(OrderWip),
  transfersInTransit: listDelta(TransferRow),
  lines: listDelta(LineRow),
  labour: listDelta(SpkLabour),
});
export const AlertsDelta = viewDelta(z.object({}), { alerts: listDelta(AlertRow) });
export const ConflictsDelta = viewDelta(z.object({}), { refused: listDelta(RecordedProblem), flagged: listDelta(RecordedProblem), conflicts: listDelta(ConflictRow) });
export const OrdersDelta = viewDelta(z.object({}), { orders: listDelta(OrderRow) });
export const FleetDelta = viewDelta(FleetView.pick({ pendingCodes: true }), { stations: listDelta(FleetStation) });
export const AccountsDelta = viewDelta(z.object({}), { accounts: listDelta(AccountList.shape.accounts.element) });
export const ArticlesDelta = viewDelta(z.object({}), { articles: listDelta(ArticleRow) });

const HeldRevision = z.coerce.number().int().nonnegative().optional();

/** The live views, as a /views answer and the screen's revisions name them (views-sync.ts). */
export const VIEW_NAMES = ['floor', 'alerts', 'conflicts', 'orders', 'fleet', 'accounts', 'articles'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
/**
 * The views a screen keeps live: in the query comma-separated (`floor,alerts,conflicts`), parsed as their list (so a
 * parsed query parses again as it is: views-host.ts hands it to its worker). Absent: every view.
 */
export const LiveViewNames = z.preprocess(
  (v) => (typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v),
  z.array(z.enum(VIEW_NAMES)).max(VIEW_NAMES.length),
);

/**
 * The Conflicts filter, and what the screen holds: the instance that answered it and each view's revision; `views`:
 * the views it keeps live (only these are computed and sent; the others' revisions are held as they are).
 */
export const ViewsQuery = z.object({
  show: ConflictsQuery.shape.show,
  instance: z.string().max(64).optional(),
  views: LiveViewNames.optional(),
  floor: HeldRevision,
  alerts: HeldRevision,
  conflicts: HeldRevision,
  orders: HeldRevision,
  fleet: HeldRevision,
  accounts: HeldRevision,
  articles: HeldRevision,
});

/** Each view's delta, null when the screen holds its current revision; `conflictsShow` says which Conflicts list it is. */
export const ViewsUpdate = z.object({
  instance: z.string(),
  conflictsShow: ConflictsQuery.shape.show,
  floor: FloorDelta.nullable(),
  alerts: AlertsDelta.nullable(),
  conflicts: ConflictsDelta.nullable(),
  orders: OrdersDelta.nullable(),
  fleet: FleetDelta.nullable(),
  /** Admins only: always null for any other role (live-views.ts never computes it for them). */
  accounts: AccountsDelta.nullable(),
  articles: ArticlesDelta.nullable(),
});
export type ViewsUpdate = z.infer<typeof ViewsUpdate>;

/**
 * What the live channel (`GET /api/dashboard/live?<the /views query>`, SSE; live.ts) says: `hello` as it opens; `views`:
 * what changed since what the screen held (a /views answer; `asOf`, epoch ms on the server's clock: it holds every
 * change committed before); `failed`: the views could not be computed just now (shown as not live until the next
 * `views`); `ended`: the session ended (log out).
 */
export const LiveMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello') }),
  z.object({ type: z.literal('views'), asOf: z.number(), update: ViewsUpdate }),
  z.object({ type: z.literal('failed') }),
  z.object({ type: z.literal('ended') }),
]);
export type LiveMessage = z.infer<typeof LiveMessage>;

/**
 * Just the revisions of a /views answer (what a client holds after it) and the ones each delta starts from, for a
 * reader that does not apply the views.
 */
const RevisionOnly = z.object({ rev: Revision, base: Revision.nullable() }).nullable();
export const ViewsRevisions = z.object({
  instance: z.string(),
  floor: RevisionOnly,
  alerts: RevisionOnly,
  conflicts: RevisionOnly,
  orders: RevisionOnly,
  fleet: RevisionOnly,
  accounts: RevisionOnly,
  articles: RevisionOnly,
});
export type ViewsRevisions = z.infer<typeof ViewsRevisions>;
