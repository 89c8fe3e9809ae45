/**
 * A dashboard view kept as revisions, so an open dashboard is sent what changed since the view it holds, not the whole
 * view again. A floor of 10,000 open work orders is megabytes of JSON in its Floor, Orders and Fleet views; under a busy
 * floor every push changes them, and 50 dashboards each re-reading them whole after every change saturated the machine
 * and slowed the stations' pushes (the dashboard benchmark, tests/bench/dashboard.bench.ts). A push changes one order's
 * row and one station's: those rows are what the dashboard needs.
 *
 * Each computation of the view is given to `update`: every field is serialised and compared with the previous
 * computation's; the view's revision moves only when something changed. What changed is checked against the view's
 * schema (a field with its own, a row with its list's element schema) and kept as the check returned it, so every part
 * sent was checked once, when it changed, instead of the whole view at every computation. The keyed lists
 * (`lists`: field → the rows' key property, e.g. Floor `orders` by `moId`) are kept row by row, each row with the
 * revision it last changed at, and the list's key order with its own. `delta(since)` answers a dashboard holding
 * revision `since` with the fields and rows changed after it, and the key order when that changed (a row added or
 * gone changes the order: the dashboard keeps exactly the keys listed); `since` null (or unknown) gets everything.
 * The JSON of each row is kept, so a delta or the whole view is joined from strings, not serialised per request.
 * The shape is `ViewDelta` (contract.ts); views-sync.ts applies it on the screen.
 */
import { z } from 'zod';
import { safeParseKeeping } from '../../shared/unchanged-parse';

/** A row as last computed (the object, to know it unchanged when given again), its JSON, its checked JSON and revision. */
/** Deltas kept per revision at most (a dashboard holds one of the last few revisions, or none). */
const MAX_MEMO_DELTAS = 64;

interface Row {
  value: unknown;
  raw: string;
  json: string;
  rev: number;
}

export class ViewRevisions<S extends z.ZodObject = z.ZodObject> {
  private rev = 0;
  /** Field order of the view (as the checked value had it), for `whole()`. */
  private order: string[] = [];
  /** Per field and row: the JSON it was computed as (`raw`, to compare) and as its schema's check returned it (`json`, sent). */
  private readonly fields = new Map<string, { raw: string; json: string; rev: number }>();
  private readonly lists = new Map<string, { rows: Map<string, Row>; keys: string[]; keysJson: string; keysRev: number }>();
  /** Deltas joined at the current revision, by the revision they start from (null: the whole view). */
  private deltas: { rev: number; bySince: Map<number | null, string> } = { rev: -1, bySince: new Map() };

  constructor(
    private readonly schema: S,
    private readonly listKeys: Readonly<Record<string, string>> = {},
  ) {}

  private partSchema(field: string, row: boolean): z.ZodType {
    const part: unknown = this.schema.shape[field];
    if (!(part instanceof z.ZodType)) throw new Error(`view field ${field} is not in its schema`);
    if (!row) return part;
    if (!(part instanceof z.ZodArray)) throw new Error(`view field ${field} is not a list in its schema`);
    return part.element as z.ZodType;
  }

  /**
   * A changed part checked against its schema, as the JSON to send: `raw` itself when the check keeps the value as it
   * is (shared/unchanged-parse.ts: no copy made, nothing serialised again; the most a busy floor's views make each
   * second, and their garbage paused the event loop that acknowledges the stations' pushes).
   */
  private checked(field: string, row: boolean, value: unknown, raw: string): string {
    const parsed = safeParseKeeping(this.partSchema(field, row), value);
    if (!parsed.success) throw new Error(`view failed its schema at ${[field, ...parsed.error.issues[0]?.path.map(String) ?? []].join('.')}: ${parsed.error.issues[0]?.message ?? ''}`);
    if (parsed.data === value) return raw;
    const json = JSON.stringify(parsed.data);
    return json === raw ? raw : json;
  }

  /** The current revision (0: nothing computed yet). */
  get revision(): number {
    return this.rev;
  }

  /** A new computation of the view. Returns the revision now; throws when a changed part fails its schema. */
  update(computed: z.input<S>): number {
    const view: Readonly<Record<string, unknown>> = computed;
    const next = this.rev + 1;
    let changed = false;
    const order = Object.keys(view).filter((f) => view[f] !== undefined);
    if (order.join('\u0000') !== this.order.join('\u0000')) changed = true;
    for (const field of order) {
      const value = view[field];
      const keyProp = this.listKeys[field];
      if (keyProp !== undefined && Array.isArray(value)) {
        if (this.updateList(field, keyProp, value, next)) changed = true;
        continue;
      }
      const raw = JSON.stringify(value);
      if (this.fields.get(field)?.raw !== raw) {
        this.fields.set(field, { raw, json: this.checked(field, false, value, raw), rev: next });
        changed = true;
      }
    }
    for (const gone of this.order.filter((f) => !order.includes(f))) {
      this.fields.delete(gone);
      this.lists.delete(gone);
    }
    this.order = order;
    if (changed) this.rev = next;
    return this.rev;
  }

  private updateList(field: string, keyProp: string, rows: readonly unknown[], next: number): boolean {
    const list = this.lists.get(field) ?? { rows: new Map<string, Row>(), keys: [], keysJson: '[]', keysRev: next };
    this.lists.set(field, list);
    let changed = false;
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const key = (row as Record<string, unknown> | null)?.[keyProp];
      if (typeof key !== 'string') throw new Error(`view list ${field}: a row without a string ${keyProp}`);
      if (seen.has(key)) throw new Error(`view list ${field}: ${keyProp} ${key} twice`);
      seen.add(key);
      keys.push(key);
      const had = list.rows.get(key);
      // The same row object as last time (a computation that kept its unchanged rows: floor-view.ts) is unchanged.
      if (had?.value === row) continue;
      const raw = JSON.stringify(row);
      if (had?.raw !== raw) {
        list.rows.set(key, { value: row, raw, json: this.checked(field, true, row, raw), rev: next });
        changed = true;
      } else had.value = row;
    }
    for (const key of list.rows.keys()) if (!seen.has(key)) list.rows.delete(key);
    // Compared key by key: serialised only when the order changed (thousands of keys, several times a second).
    if (keys.length !== list.keys.length || keys.some((k, i) => k !== list.keys[i])) {
      list.keys = keys;
      list.keysJson = JSON.stringify(keys);
      list.keysRev = next;
      changed = true;
    }
    return changed;
  }

  /**
   * What a dashboard holding revision `since` needs, as `ViewDelta` JSON; null when it holds the current revision.
   * `since` null, or not a revision of this view (ahead of it), gets the whole view (`base` null).
   */
  delta(since: number | null): string | null {
    if (since === this.rev && this.rev > 0) return null;
    const from = since === null || since > this.rev || since < 0 ? null : since;
    // The dashboards a change makes ask mostly hold the same revision: one delta joined for all of them.
    if (this.deltas.rev !== this.rev) this.deltas = { rev: this.rev, bySince: new Map() };
    const memo = this.deltas.bySince.get(from);
    if (memo !== undefined) return memo;
    const json = this.join(from);
    if (this.deltas.bySince.size < MAX_MEMO_DELTAS) this.deltas.bySince.set(from, json);
    return json;
  }

  private join(from: number | null): string {
    const after = from ?? -1;
    const fields: string[] = [];
    const lists: string[] = [];
    for (const field of this.order) {
      const list = this.lists.get(field);
      if (list) {
        const rows = list.keys.flatMap((k) => {
          const r = list.rows.get(k);
          return r && r.rev > after ? [r.json] : [];
        });
        const keys = list.keysRev > after ? `"keys":${list.keysJson},` : '';
        if (keys || rows.length > 0) lists.push(`${JSON.stringify(field)}:{${keys}"rows":[${rows.join(',')}]}`);
        continue;
      }
      const f = this.fields.get(field);
      if (f && f.rev > after) fields.push(`${JSON.stringify(field)}:${f.json}`);
    }
    return `{"rev":${this.rev},"base":${from === null ? 'null' : from},"fields":{${fields.join(',')}},"lists":{${lists.join(',')}}}`;
  }

  /** The whole view as JSON, in its fields' order (what the per-view routes answer). */
  whole(): string {
    const parts = this.order.map((field) => {
      const list = this.lists.get(field);
      const json = list ? `[${list.keys.map((k) => list.rows.get(k)?.json ?? 'null').join(',')}]` : (this.fields.get(field)?.json ?? 'null');
      return `${JSON.stringify(field)}:${json}`;
    });
    return `{${parts.join(',')}}`;
  }
}
