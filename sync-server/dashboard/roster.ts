/**
 * The floor roster, written by the office in one way only: `operatorDocument` is the one builder of the `operator`
 * documents every station pulls (scope all: badge + PIN login and a supervisor's release work offline), used by the
 * CSV import (roster-import.ts), the admin-token API (`POST /api/operators`, floor/routes.ts) and the dashboard's
 * Roster view (roster-routes.ts). A PIN is hashed before it is stored (shared/security/pin.ts); the hash goes to
 * stations, never to a dashboard.
 *
 * On the dashboard a supervisor adds, deactivates, reactivates or resets the PIN of the operators of their department
 * who do not supervise (a supervisor's or admin's PIN signs halt releases: an admin resets those); an admin of anyone;
 * PPIC, who imports the whole roster from CSV, adds one too. Each step writes the operator's document (the stations
 * refuse a deactivated badge after their next pull) and is audited in the same transaction.
 */
import { randomInt } from 'node:crypto';
import { holdsSupervisingRole, Operator, type NewOperator } from '../../shared/master';
import { hashPin, isTrivialPin } from '../../shared/security/pin';
import { pinRuleProblem } from '../../shared/security/pin-rules';
import { scopeToken } from '../../shared/sync';
import { writeDocuments, type DocumentWrite } from '../changes';
import type { Db, Queryable } from '../db/types';
import { HttpError } from '../http/route';
import { audit } from './audit';
import type { Account } from './contract';
import type { NewRosterOperatorInput, RosterView } from './roster-contract';
import { dashboardWriteTx } from './write-tx';

/** A roster member as the document stations pull. */
export function operatorDocument(op: Operator): DocumentWrite {
  return { kind: 'operator', id: op.id, body: op, scope: [scopeToken.all] };
}

/** A new (or replaced) roster member, PIN hashed. */
export async function rosterDocument(op: NewOperator): Promise<DocumentWrite> {
  const { pin, ...rest } = op;
  return operatorDocument({ ...rest, pinHash: await hashPin(pin) });
}

/** Whether `by` may deactivate, reactivate or reset the PIN of `op` (see the header). */
export function mayManage(by: Account, op: Pick<Operator, 'roles' | 'departments'>): boolean {
  if (by.role === 'admin') return true;
  if (by.role !== 'supervisor' || by.department === null) return false;
  return op.departments.some((d) => d === by.department) && !holdsSupervisingRole(op.roles);
}

/** Every roster member, badge order, without the PIN hash. */
export async function loadRoster(q: Queryable, by: Account): Promise<RosterView> {
  const rows = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'operator' AND NOT deleted ORDER BY id");
  return {
    operators: rows.flatMap((r) => {
      const p = Operator.safeParse(r.body);
      if (!p.success) return [];
      const { id, name, roles, departments, active } = p.data;
      return [{ id, name, roles, departments, active, mayManage: mayManage(by, p.data) }];
    }),
  };
}

/** Why `by` may not manage `op` (see mayManage), as the answer. */
function notYours(by: Account, id: string, op: Pick<Operator, 'departments'>): HttpError {
  const ownDepartment = by.role === 'supervisor' && by.department !== null && op.departments.some((d) => d === by.department);
  return ownDepartment
    ? new HttpError(403, 'forbidden_role', `${id} supervises: only an admin changes a supervisor's or admin's roster entry`)
    : new HttpError(403, 'not_your_department', `${id} does not work in your department`);
}

/** The operator's document, locked for this transaction; 404 without one, 403 when `by` may not manage it. */
async function lockOperator(q: Queryable, id: string, by: Account): Promise<Operator> {
  const [row] = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'operator' AND id = $1 AND NOT deleted FOR UPDATE", [id]);
  const op = row ? Operator.safeParse(row.body) : null;
  if (!op?.success) throw new HttpError(404, 'not_found', `no operator ${id} on the roster`);
  if (!mayManage(by, op.data)) throw notYours(by, id, op.data);
  return op.data;
}

/** The roster members with these badges, locked for this transaction (badge order: two writers never wait in a cycle). */
export async function lockOperators(q: Queryable, ids: readonly string[]): Promise<Map<string, Operator>> {
  const rows = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'operator' AND id = ANY($1::text[]) AND NOT deleted ORDER BY id FOR UPDATE", [
    [...ids],
  ]);
  return new Map(rows.flatMap((r) => {
    const op = Operator.safeParse(r.body);
    return op.success ? [[op.data.id, op.data] as const] : [];
  }));
}

/**
 * Adds one operator, active (the Roster view's form): 409 when the badge is on the roster already (a deactivated one
 * is reactivated there, never replaced by a new entry), 403 beyond what `by` may manage (PPIC and admins add anyone),
 * 400 a PIN too short for the roles. Written by `rosterDocument`, as the CSV import writes. Returns the generated PIN.
 */
export async function addOperator(db: Db, body: NewRosterOperatorInput, by: Account): Promise<string | null> {
  if (by.role !== 'ppic' && !mayManage(by, body)) throw notYours(by, body.id, body);
  const generated = body.pin === undefined ? generatedPin() : null;
  const pin = body.pin ?? generated ?? '';
  const problem = pinProblem(pin, body.roles);
  if (problem) throw new HttpError(400, 'bad_request', `body.pin: ${problem}`, [{ path: 'body.pin', message: problem }]);
  // Hashed before the transaction (scrypt takes a while).
  const doc = await rosterDocument({ ...body, pin, active: true });
  return dashboardWriteTx(db, async (q) => {
    // Two adds of one badge at once: the second waits here, then finds the first.
    await q.query("SELECT pg_advisory_xact_lock(hashtext('roster-add:' || $1))", [body.id]);
    const [taken] = await q.query("SELECT 1 FROM documents WHERE kind = 'operator' AND id = $1 AND NOT deleted", [body.id]);
    if (taken) {
      throw new HttpError(409, 'exists', `${body.id} is on the roster already (reactivate or reset the PIN there)`);
    }
    await writeDocuments(q, [doc]);
    await audit(q, by, 'operator.created', body.id, { roles: body.roles, departments: body.departments, generated: generated !== null });
    return generated;
  });
}

/** Deactivates (stations refuse the badge after their next pull) or reactivates; false: it was so already. */
export async function setOperatorActive(db: Db, id: string, active: boolean, by: Account): Promise<boolean> {
  return dashboardWriteTx(db, async (q) => {
    const op = await lockOperator(q, id, by);
    if (op.active === active) return false;
    await writeDocuments(q, [operatorDocument({ ...op, active })]);
    await audit(q, by, active ? 'operator.reactivated' : 'operator.deactivated', id, { departments: op.departments });
    return true;
  });
}

/** Six random digits: within both PIN rules (4–8; 6–8 for a supervisor or admin), never one guessed first (123456). */
export function generatedPin(): string {
  for (;;) {
    const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!isTrivialPin(pin)) return pin;
  }
}

/** Why a PIN may not be set for someone with these roles (length by role; no 1234 or 0000), or undefined. */
function pinProblem(pin: string, roles: Operator['roles']): string | undefined {
  return pinRuleProblem(pin, holdsSupervisingRole(roles)) ?? (isTrivialPin(pin) ? 'a PIN anyone would guess first (one digit repeated, or a straight run like 1234): choose another' : undefined);
}

/** A new PIN (set, or generated and answered once): stations take it at their next pull. Returns the generated one. */
export async function resetOperatorPin(db: Db, id: string, pin: string | undefined, by: Account): Promise<string | null> {
  const generated = pin === undefined ? generatedPin() : null;
  const chosen = pin ?? generated ?? '';
  // Hashed before the row is locked (scrypt takes a while); refused below if the operator's roles need a longer PIN.
  const pinHash = await hashPin(chosen);
  return dashboardWriteTx(db, async (q) => {
    const op = await lockOperator(q, id, by);
    const problem = pinProblem(chosen, op.roles);
    if (problem) throw new HttpError(400, 'bad_request', `body.pin: ${problem}`, [{ path: 'body.pin', message: problem }]);
    await writeDocuments(q, [operatorDocument({ ...op, pinHash })]);
    await audit(q, by, 'operator.pin_reset', id, { generated: generated !== null });
    return generated;
  });
}
