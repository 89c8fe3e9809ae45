/**
 * The Floor's order search: the live Floor lists the first orders only (contract.ts FLOOR_ORDERS_LISTED); a search, or
 * "show all", is answered by the server (`GET /api/dashboard/floor/orders`) and read again as the Floor changes, so
 * what it found stays live too. Typing is waited out (`settleMs`) before the server is asked; one read at a time, and
 * after a read at least `minGapMs` before the next one a change of the Floor brings (on a busy floor it changes four
 * times a second), `bigGapMs` after a read of more than FLOOR_ORDERS_LISTED ("show all" of 2,000 orders is a megabyte
 * a read, written out by the server's event loop, which the stations' pushes share).
 */
import { FLOOR_ORDERS_LISTED, type FloorOrders } from '../../sync-server/dashboard/contract';

export interface OrderAsk {
  find: string;
  limit: number;
}

export interface OrderSearchState {
  /** What the search is for (null: not searching; the screen lists the live Floor's orders). */
  ask: OrderAsk | null;
  /** The last answer, and the ask it answered (it may be an earlier one while the new one is read). */
  found: FloorOrders | null;
  foundFor: OrderAsk | null;
  busy: boolean;
  /** The last read's error code when it failed (`unreachable`, …); null once one succeeds. */
  failed: string | null;
}

export const NOT_SEARCHING: OrderSearchState = { ask: null, found: null, foundFor: null, busy: false, failed: null };

const keyOf = (ask: OrderAsk) => `${ask.limit}\u0000${ask.find}`;

export class OrderSearch {
  private state: OrderSearchState = NOT_SEARCHING;
  /** The Floor's `at` now, and the ask and `at` the last read was for. */
  private at: string | null = null;
  private read: { key: string; at: string | null } | null = null;
  private running = false;
  /** When the last read ended (epoch ms; 0: none yet). */
  private readEnded = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly fetchOrders: (ask: OrderAsk) => Promise<FloorOrders>,
    private readonly changed: (state: OrderSearchState) => void,
    private readonly errorCode: (err: unknown) => string,
    private readonly timing = { settleMs: 250, minGapMs: 500, bigGapMs: 5_000 },
  ) {}

  get current(): OrderSearchState {
    return this.state;
  }

  /** What to find now (null: stop searching) and the Floor's revision time (`at`): read again when either changed. */
  set(ask: OrderAsk | null, at: string | null): void {
    this.at = at;
    if (ask === null) {
      this.clearTimer();
      this.read = null;
      if (this.state.ask !== null) this.put(NOT_SEARCHING);
      return;
    }
    if (this.state.ask === null || keyOf(this.state.ask) !== keyOf(ask)) {
      // A new search: read once the typing stops.
      this.put({ ...this.state, ask });
      this.schedule(this.timing.settleMs);
      return;
    }
    if (this.read?.at !== at && this.timer === null && !this.running) this.schedule(Math.max(0, this.readEnded + this.gap() - Date.now()));
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  /**
   * How long after a read the Floor's next change is read: a new ask soon whatever it is, the same ask again after
   * `minGapMs`, or `bigGapMs` when it asks for more than the Floor lists ("show all").
   */
  private gap(): number {
    const ask = this.state.ask;
    if (ask === null || this.read?.key !== keyOf(ask)) return this.timing.minGapMs;
    return ask.limit > FLOOR_ORDERS_LISTED ? this.timing.bigGapMs : this.timing.minGapMs;
  }

  private schedule(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reads what is asked now, unless a read is running (it reads again after) or the last one was for it already. */
  private pump(): void {
    const ask = this.state.ask;
    if (this.closed || this.running || ask === null) return;
    const key = keyOf(ask);
    if (this.read?.key === key && this.read.at === this.at) return;
    const at = this.at;
    this.running = true;
    this.put({ ...this.state, busy: true });
    this.fetchOrders(ask).then(
      (found) => {
        this.read = { key, at };
        if (this.state.ask !== null && keyOf(this.state.ask) === key) this.put({ ...this.state, found, foundFor: ask, failed: null });
      },
      (err: unknown) => {
        this.read = { key, at };
        if (this.state.ask !== null) this.put({ ...this.state, failed: this.errorCode(err) });
      },
    ).finally(() => {
      this.running = false;
      if (this.closed) return;
      this.readEnded = Date.now();
      this.put({ ...this.state, busy: false });
      // Asked something else meanwhile, or the Floor changed: read again (a new ask's own timer reads it).
      if (this.state.ask !== null && this.timer === null && (this.read?.key !== keyOf(this.state.ask) || this.read.at !== this.at)) this.schedule(this.gap());
    });
  }

  private put(state: OrderSearchState): void {
    this.state = state;
    if (!this.closed) this.changed(state);
  }
}
