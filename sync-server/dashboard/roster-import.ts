/**
 * The floor roster from a CSV file (PPIC or admin): columns `badge,name,roles,departments,pin`, roles and departments
 * separated by `|` (e.g. `supervisor|operator`, `sewing|finishing`). Every row is checked by the shared `NewOperator`
 * schema (shared/master.ts, with the PIN rule: 4–8 digits, 6–8 for a supervisor or admin) and a badge may appear once;
 * a file with any problem imports nothing (the report names each line and column). A good file is written in one
 * transaction as operator documents, which every station pulls (PIN hashed: `rosterDocument`, roster.ts, the same
 * write as the admin API's `POST /api/operators` and the Roster view's), and audited.
 *
 * Against the roster already there (read and locked in that transaction):
 * - a badge on the roster keeps its PIN when the row's PIN cell is empty (a new badge needs one; so does a badge that
 *   starts supervising, whose PIN must be 6–8 digits: the old one may be shorter);
 * - a DEACTIVATED badge's row is refused (`badge.deactivated`): a file never brings back someone a supervisor or admin
 *   took off the floor. PPIC may not reactivate anyone on the Roster view either; a supervisor or admin does it there,
 *   on purpose and audited, or the row is left out of the file. A stale roster export re-imported must not quietly
 *   let a leaver's badge log in again at every station.
 */
import { z } from 'zod';
import { checkRosterPin, holdsSupervisingRole, NewOperator, type Operator } from '../../shared/master';
import { writeDocuments, type DocumentWrite } from '../changes';
import type { Db } from '../db/types';
import { audit } from './audit';
import type { Account } from './contract';
import { recordsOr422, rejectRows, type RowProblem } from './csv';
import { lockOperators, operatorDocument, rosterDocument } from './roster';
import { dashboardWriteTx } from './write-tx';

export const ROSTER_COLUMNS = ['badge', 'name', 'roles', 'departments', 'pin'] as const;
const MAX_ROWS = 2000;
/** NewOperator's field → the file's column. */
const COLUMN: Readonly<Record<string, string>> = { id: 'badge' };

/** A row: NewOperator with the PIN left out when its cell is empty (a badge on the roster keeps its own). */
const RosterRow = z
  .object({ ...NewOperator.shape, pin: NewOperator.shape.pin.optional() })
  .superRefine((o, ctx) => (o.pin === undefined ? undefined : checkRosterPin({ roles: o.roles, pin: o.pin }, ctx)));
type RosterRow = z.infer<typeof RosterRow>;

const list = (cell: string) => cell.split('|').map((s) => s.trim()).filter((s) => s !== '');

/** Why a row may not be written over what the roster holds for its badge, or undefined. */
function againstRoster(row: RosterRow, held: Operator | undefined): Omit<RowProblem, 'line'> | undefined {
  if (held && !held.active) {
    return { column: 'badge.deactivated', message: `${row.id} is deactivated on the roster: a file does not reactivate anyone (a supervisor or admin reactivates on the Roster view), leave the row out` };
  }
  if (row.pin !== undefined) return undefined;
  if (!held) return { column: 'pin.required', message: `${row.id} is a new badge: give a PIN` };
  if (holdsSupervisingRole(row.roles) && !holdsSupervisingRole(held.roles)) {
    return { column: 'pin.supervising', message: `${row.id} starts supervising: give a new 6-8 digit PIN (it signs halt releases)` };
  }
  return undefined;
}

/** Imports the file's operators (new badges added, known ones replaced; see the header), or throws the 422 report. */
export async function importRoster(db: Db, csv: string, by: Account): Promise<string[]> {
  const problems: RowProblem[] = [];
  const firstLine = new Map<string, number>();
  const rows: { line: number; op: RosterRow }[] = [];
  for (const { line, cells } of recordsOr422(csv, ROSTER_COLUMNS, MAX_ROWS)) {
    const pin = cells.pin?.trim() ?? '';
    const parsed = RosterRow.safeParse({ id: cells.badge, name: cells.name, roles: list(cells.roles ?? ''), departments: list(cells.departments ?? ''), pin: pin === '' ? undefined : pin });
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const field = String(i.path[0] ?? 'row');
        problems.push({ line, column: COLUMN[field] ?? field, message: i.message });
      }
      continue;
    }
    const seen = firstLine.get(parsed.data.id);
    if (seen !== undefined) problems.push({ line, column: 'badge', message: `badge ${parsed.data.id} is on line ${seen} already` });
    else firstLine.set(parsed.data.id, line);
    rows.push({ line, op: parsed.data });
  }
  // PINs hashed before the transaction (scrypt takes a while), only for a file that may still be imported.
  const withPin = new Map<string, DocumentWrite>();
  if (problems.length === 0) {
    for (const doc of await Promise.all(rows.flatMap(({ op: { pin, ...op } }) => (pin === undefined ? [] : [rosterDocument({ ...op, pin })])))) withPin.set(doc.id, doc);
  }
  return dashboardWriteTx(db, async (q) => {
    const held = await lockOperators(q, rows.map((r) => r.op.id));
    for (const { line, op } of rows) {
      const problem = againstRoster(op, held.get(op.id));
      if (problem) problems.push({ line, ...problem });
    }
    if (problems.length > 0) throw rejectRows(problems.sort((a, b) => a.line - b.line));
    const docs = rows.map(({ op: { pin: _pin, ...op } }) => withPin.get(op.id) ?? operatorDocument({ ...op, pinHash: held.get(op.id)?.pinHash ?? '' }));
    const keptPins = rows.filter((r) => r.op.pin === undefined).map((r) => r.op.id);
    await writeDocuments(q, docs);
    await audit(q, by, 'roster.imported', null, { count: docs.length, badges: docs.map((d) => d.id), keptPins }, true);
    return docs.map((d) => d.id);
  });
}
