import type { Doc, DocKind, DocOf, DocReader, LineDoc, WorkOrderDoc } from '../docs';
import { newLineDoc } from '../docs';
import type { FloorEvent } from '../events';
import { canSupervise, type Department, type MasterData, type Operator, type Station } from '../master';
import type { Refusal, RefusalCode } from '../refusal';

/** Thrown inside a rule to refuse the event; `decide` turns it into a typed result. Never escapes `decide`. */
export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

export function refuse(code: RefusalCode, message: string): never {
  throw new Refused({ code, message });
}

/** A document key the reader could not supply yet (server side: not loaded). */
export interface DocKey {
  kind: DocKind;
  id: string;
}

/** Thrown by a server-side reader for documents it has not loaded; the server loads them and decides again. */
export class NeedDocs extends Error {
  constructor(readonly keys: DocKey[]) {
    super(`need documents: ${keys.map((k) => `${k.kind}:${k.id}`).join(', ')}`);
  }
}

/** Reads through staged changes, so later steps of one event see earlier ones. */
export class Tx {
  private readonly staged = new Map<string, Doc>();

  constructor(
    private readonly reader: DocReader,
    readonly event: FloorEvent,
    readonly master: MasterData,
    readonly station: Station,
    readonly operator: Operator | undefined,
    /**
     * The event is a fact recorded at its station earlier (the server, a station's rebase), not a command being
     * decided now: a claim that lost to another station's opens a conflict instead of being refused.
     */
    readonly recorded = false,
  ) {}

  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined {
    const s = this.staged.get(`${kind}\u0000${id}`);
    if (s) return s as DocOf<K>;
    return this.reader.get(kind, id);
  }

  /**
   * The documents of `ids` the reader has (absent ones skipped). On the server the ones not loaded yet are asked for
   * in ONE NeedDocs, so a rule reading many documents costs one load, not one per document.
   */
  getAll<K extends DocKind>(kind: K, ids: readonly string[]): DocOf<K>[] {
    const found: DocOf<K>[] = [];
    const need: DocKey[] = [];
    for (const id of ids) {
      try {
        const doc = this.get(kind, id);
        if (doc) found.push(doc);
      } catch (err) {
        if (!(err instanceof NeedDocs)) throw err;
        need.push(...err.keys);
      }
    }
    if (need.length > 0) throw new NeedDocs(need);
    return found;
  }

  put(doc: Doc): void {
    this.staged.set(`${doc.kind}\u0000${doc.id}`, doc);
  }

  changes(): Doc[] {
    return [...this.staged.values()];
  }

  /** See DocReader.complete: the server holds every document, so a missing one does not exist. */
  get complete(): boolean {
    return this.reader.complete === true;
  }

  get department(): Department {
    return this.station.department;
  }

  workOrder(id: string): WorkOrderDoc {
    const wo = this.get('workOrder', id);
    if (!wo) refuse('unknown_work_order', `work order ${id} is not known here`);
    return wo;
  }

  /** A work order of this station's department that is still open for work. */
  ownWorkOrder(id: string): WorkOrderDoc {
    const wo = this.workOrder(id);
    if (wo.place !== this.department) {
      refuse('wrong_department', `work order ${id} belongs to ${wo.place}, this station is ${this.department}`);
    }
    if (wo.status === 'closed') refuse('work_order_closed', `work order ${id} is closed`);
    return wo;
  }

  /** The station's own line (a station acts on no other line), created on first use. */
  line(id: string): LineDoc {
    if (id !== this.station.lineId) {
      refuse('wrong_line', `station ${this.station.id} runs line ${this.station.lineId}, not ${id}`);
    }
    const line = this.get('line', id) ?? newLineDoc(id, this.department);
    if (line.department !== this.department) {
      refuse('wrong_department', `line ${id} belongs to ${line.department}, this station is ${this.department}`);
    }
    return line;
  }

  supervisor(id: string, department: Department): Operator {
    const op = this.master.operators.get(id);
    if (!op) refuse('unknown_operator', `operator ${id} is not on the roster`);
    if (!canSupervise(op, department)) {
      refuse('not_supervisor', `${id} is not a supervisor of ${department}`);
    }
    return op;
  }
}
