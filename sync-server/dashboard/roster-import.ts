/**
 * The floor roster from a CSV file (PPIC or admin): columns `badge,name,roles,departments,pin`, roles and departments
 * separated by `|` (e.g. `supervisor|operator`, `sewing|finishing`). Every row is checked by the shared `NewOperator`
 * schema (shared/master.ts, with the PIN rule: 4–8 digits, 6–8 for a supervisor or admin) and a badge may appear once;
 * a file with any problem imports nothing (the report names each line and column). A good file is written in one
 * transaction as operator documents, which every station pulls (PIN hashed: `rosterDocument`, roster.ts, the same
 * write as the admin API's `POST /api/operators` and the Roster view's), and audited.
 */
import { NewOperator } from '../../shared/master';
import { writeDocuments } from '../changes';
import type { Db } from '../db/types';
import { audit } from './audit';
import type { Account } from './contract';
import { recordsOr422, rejectRows, type RowProblem } from './csv';
import { rosterDocument } from './roster';
import { dashboardWriteTx } from './write-tx';

export const ROSTER_COLUMNS = ['badge', 'name', 'roles', 'departments', 'pin'] as const;
const MAX_ROWS = 2000;
/** NewOperator's field → the file's column. */
const COLUMN: Readonly<Record<string, string>> = { id: 'badge' };

const list = (cell: string) => cell.split('|').map((s) => s.trim()).filter((s) => s !== '');

/** Imports the file's operators (new badges added, known ones replaced), or throws the 422 report. */
export async function importRoster(db: Db, csv: string, by: Account): Promise<string[]> {
  const problems: RowProblem[] = [];
  const firstLine = new Map<string, number>();
  const operators: NewOperator[] = [];
  for (const { line, cells } of recordsOr422(csv, ROSTER_COLUMNS, MAX_ROWS)) {
    const parsed = NewOperator.safeParse({ id: cells.badge, name: cells.name, roles: list(cells.roles ?? ''), departments: list(cells.departments ?? ''), pin: cells.pin });
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
    operators.push(parsed.data);
  }
  if (problems.length > 0) throw rejectRows(problems);
  const docs = await Promise.all(operators.map(rosterDocument));
  await dashboardWriteTx(db, async (q) => {
    await writeDocuments(q, docs);
    await audit(q, by, 'roster.imported', null, { count: docs.length, badges: docs.map((d) => d.id) }, true);
  });
  return docs.map((d) => d.id);
}
