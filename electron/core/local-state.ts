/**
 * Local state = pulled authoritative documents + this station's own events the server has not applied yet
 * (a rebase, as Replicache does). The server tells how far it got with the `stationProgress` document; events up to
 * that seq are already inside the pulled documents, so they are never counted twice, and events after it are
 * re-applied on top, so nothing the operator recorded vanishes while it travels.
 */
import { emptyState, FLOOR_DOC_KINDS, FLOOR_DOC_SCHEMAS, OTHER_DOC_SCHEMAS, writeChanges, type Doc, type DocKind, type FloorState } from '../../shared/docs';
import { describeIssues, EVENT_SCHEMA_VERSION, PAYLOADS, parseEvent, type FloorEvent } from '../../shared/events';
import { Operator, Station, masterData, type MasterData } from '../../shared/master';
import { decide } from '../../shared/reducer';
import { stateReader } from '../../shared/docs';
import { refusal, type Refusal } from '../../shared/refusal';
import { safeParseKeeping } from '../../shared/unchanged-parse';
import type { StoredDocument } from '../store/station-db';

const FLOOR_KINDS: ReadonlySet<string> = new Set<string>(FLOOR_DOC_KINDS);

/** An own event as read from the event log: a FloorEvent when this version recorded it (see `setPending`). */
export interface LoggedEvent {
  id: string;
  seq: number;
  type: string;
  v: number;
}

/**
 * Own events of this schema version and of a type it knows were validated when this version recorded them (commands
 * parse their input); anything else was written by another (newer) version and is parsed before use.
 */
const recordedByThisVersion = (e: LoggedEvent): e is FloorEvent => e.v === EVENT_SCHEMA_VERSION && Object.hasOwn(PAYLOADS, e.type);

export class LocalState {
  /** Authoritative documents as pulled. */
  private base: FloorState = emptyState();
  /** Documents that are not floor state: roster, stations, station keys, refusals, progress. */
  private readonly other = new Map<string, Map<string, Record<string, unknown>>>();
  private pending: FloorEvent[] = [];
  /**
   * Own pending events this version cannot parse (a newer version recorded them, then the station was rolled back):
   * pushed like any other (the sync client reads the log), never run through the rules here (shown as local
   * conflicts); the server stores them refused ('invalid_event') and its progress passes them.
   */
  private unparsed: { id: string; seq: number; refusal: Refusal }[] = [];
  state: FloorState = emptyState();
  master: MasterData;
  appliedSeq = 0;
  /** Own pending events the rules refuse on top of the newest documents (the server will decide; shown meanwhile). */
  readonly localConflicts = new Map<string, Refusal>();

  constructor(private readonly ownStation: Station) {
    this.master = masterData({ stations: [ownStation] });
  }

  /**
   * Pulled documents whose body did not parse (`kind:id` → why): never applied (the last version that parsed, if any,
   * stays), reported through `onUntrusted` and counted in the sync status. A later version that parses clears it.
   */
  readonly untrusted = new Map<string, string>();
  onUntrusted: (key: string, reason: string) => void = () => undefined;

  /**
   * The body of a pulled document as its kind's schema reads it, or undefined (recorded as untrusted). A body the
   * schema would return unchanged is kept as pulled, not copied (shared/unchanged-parse.ts).
   */
  private parseBody(d: StoredDocument): { floor: Doc } | { other: Record<string, unknown> } | undefined {
    const key = `${d.kind}:${d.id}`;
    let parsed: { floor: Doc } | { other: Record<string, unknown> };
    let reason: string | null = null;
    if (FLOOR_KINDS.has(d.kind)) {
      const r = safeParseKeeping<Doc>(FLOOR_DOC_SCHEMAS[d.kind as DocKind], d.body);
      if (!r.success) reason = describeIssues(r.error);
      else if (r.data.id !== d.id) reason = `its body's id ${r.data.id} is not the document's`;
      parsed = { floor: r.data as Doc };
    } else if (Object.hasOwn(OTHER_DOC_SCHEMAS, d.kind)) {
      const r = safeParseKeeping(OTHER_DOC_SCHEMAS[d.kind]!, d.body);
      if (!r.success) reason = describeIssues(r.error);
      parsed = { other: r.data as Record<string, unknown> };
    } else {
      // A kind this version has no schema for (a newer server's) is kept as it came: nothing here reads it.
      parsed = { other: d.body };
    }
    if (reason === null) {
      this.untrusted.delete(key);
      return parsed;
    }
    if (this.untrusted.get(key) !== reason) this.onUntrusted(key, reason);
    this.untrusted.set(key, reason);
    return undefined;
  }

  /**
   * Replace or delete pulled documents (a whole pull cycle: the core never applies part of one, see
   * StationCore.applyPulled), then rebase pending events on them.
   */
  applyDocuments(docs: readonly StoredDocument[], deletedKeys: readonly string[] = []): void {
    const floorChanges: Doc[] = [];
    let masterChanged = false;
    for (const d of docs) {
      const parsed = this.parseBody(d);
      if (!parsed) continue;
      if ('floor' in parsed) {
        floorChanges.push(parsed.floor);
      } else {
        let m = this.other.get(d.kind);
        if (!m) this.other.set(d.kind, (m = new Map()));
        m.set(d.id, parsed.other);
        if (d.kind === 'operator' || d.kind === 'station') masterChanged = true;
        if (d.kind === 'stationProgress' && d.id === this.ownStation.id) {
          const seq = Number(parsed.other.lastAppliedSeq);
          if (Number.isFinite(seq) && seq > this.appliedSeq) this.appliedSeq = seq;
        }
      }
    }
    for (const key of deletedKeys) {
      this.untrusted.delete(key);
      const i = key.indexOf(':');
      const kind = key.slice(0, i);
      const id = key.slice(i + 1);
      if (FLOOR_KINDS.has(kind)) {
        const table = this.base[kind as DocKind] as Record<string, Doc>;
        if (Object.prototype.hasOwnProperty.call(table, id)) {
          this.base = { ...this.base, [kind]: { ...table } };
          delete (this.base[kind as DocKind] as Record<string, Doc>)[id];
        }
      } else {
        this.other.get(kind)?.delete(id);
        if (kind === 'operator' || kind === 'station') masterChanged = true;
      }
    }
    if (floorChanges.length) {
      const next: FloorState = { ...this.base };
      for (const kind of new Set(floorChanges.map((d) => d.kind))) {
        (next as Record<DocKind, Record<string, Doc>>)[kind] = { ...this.base[kind] };
      }
      writeChanges(next, floorChanges);
      this.base = next;
    }
    if (masterChanged) this.rebuildMaster();
    this.rebase();
  }

  private rebuildMaster(): void {
    const operators: Operator[] = [];
    for (const body of this.other.get('operator')?.values() ?? []) {
      const r = Operator.safeParse(body);
      if (r.success) operators.push(r.data);
    }
    const stations: Station[] = [this.ownStation];
    for (const body of this.other.get('station')?.values() ?? []) {
      const r = Station.safeParse(body);
      if (r.success && r.data.id !== this.ownStation.id) stations.push(r.data);
    }
    this.master = masterData({ operators, stations });
  }

  /** This station's progress as its pulled `stationProgress` document says (null if there is none yet). */
  pulledProgress(): number | null {
    const body = this.other.get('stationProgress')?.get(this.ownStation.id) as { lastAppliedSeq?: unknown } | undefined;
    if (!body) return null;
    const seq = Number(body.lastAppliedSeq);
    return Number.isInteger(seq) && seq >= 0 ? seq : null;
  }

  /**
   * The server's database went back: its progress for this station is `appliedSeq` again (lower than before), and
   * `events` (every own event after it, from the log) are pending again.
   */
  rewind(appliedSeq: number, events: readonly LoggedEvent[]): void {
    this.appliedSeq = appliedSeq;
    this.setPending(events);
  }

  /** Load own events not yet applied by the server, from the event log (in seq order). */
  setPending(events: readonly LoggedEvent[]): void {
    const parsed: FloorEvent[] = [];
    this.unparsed = [];
    for (const e of events) {
      if (recordedByThisVersion(e)) {
        parsed.push(e);
        continue;
      }
      const p = parseEvent(e);
      if (p.ok) parsed.push(p.value);
      else this.unparsed.push({ id: e.id, seq: e.seq, refusal: refusal('invalid_event', p.error) });
    }
    this.pending = parsed.sort((a, b) => a.seq - b.seq);
    this.rebase();
  }

  /** state = documents + pending events (those after the server's progress). */
  rebase(): void {
    this.pending = this.pending.filter((e) => e.seq > this.appliedSeq);
    if (this.unparsed.length) this.unparsed = this.unparsed.filter((e) => e.seq > this.appliedSeq);
    const state: FloorState = {
      workOrder: { ...this.base.workOrder },
      transfer: { ...this.base.transfer },
      line: { ...this.base.line },
      hold: { ...this.base.hold },
      alert: { ...this.base.alert },
      conflict: { ...this.base.conflict },
    };
    this.localConflicts.clear();
    for (const u of this.unparsed) this.localConflicts.set(u.id, u.refusal);
    const reader = stateReader(state);
    for (const e of this.pending) {
      const d = decide(reader, e, this.master, { recorded: true });
      if (d.ok === true) writeChanges(state, d.changes);
      else if (d.ok === false) this.localConflicts.set(e.id, d.refusal);
    }
    this.state = state;
  }

  /** A just-committed own event: already decided against `state`, so write its changes in place. */
  commitOwn(event: FloorEvent, changes: readonly Doc[]): void {
    this.pending.push(event);
    writeChanges(this.state, changes);
  }

  get pendingCount(): number {
    return this.pending.length + this.unparsed.length;
  }

  /** Pending events this version can parse (not the `unparsed` ones). */
  pendingEvents(): readonly FloorEvent[] {
    return this.pending;
  }

  otherDocs(kind: string): ReadonlyMap<string, Record<string, unknown>> {
    return this.other.get(kind) ?? new Map();
  }
}
