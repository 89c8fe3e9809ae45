import { z } from 'zod';
import { pinRuleProblem } from './security/pin-rules';

/** The departments that run a station. */
export const Department = z.enum(['cutting', 'embroidery', 'sewing', 'finishing', 'packing']);
export type Department = z.infer<typeof Department>;

/** Everywhere goods can be on a route: the departments plus the external subcontractor (Route 3). */
export const Place = z.enum(['cutting', 'embroidery', 'sewing', 'subcon', 'finishing', 'packing']);
export type Place = z.infer<typeof Place>;

export const RouteId = z.enum(['R1', 'R2', 'R3']);
export type RouteId = z.infer<typeof RouteId>;

/** The three routes every MO follows (DOMAIN.md, "Routes"). After packing, goods go to the FG warehouse. */
export const ROUTES: Readonly<Record<RouteId, readonly Place[]>> = {
  R1: ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'],
  R2: ['cutting', 'sewing', 'finishing', 'packing'],
  R3: ['cutting', 'subcon', 'finishing', 'packing'],
};

/** Short codes used in work-order ids and labels. */
export const PLACE_CODE: Readonly<Record<Place, string>> = {
  cutting: 'CUT',
  embroidery: 'EMB',
  sewing: 'SEW',
  subcon: 'SUB',
  finishing: 'FIN',
  packing: 'PCK',
};

export const Role = z.enum(['admin', 'ppic', 'warehouse', 'operator', 'line_leader', 'supervisor', 'qc_inspector', 'qc_lab']);
export type Role = z.infer<typeof Role>;

export const ArticleCode = z.string().regex(/^[A-Z0-9][A-Z0-9.-]{2,31}$/, 'article code: 3–32 of A–Z, 0–9, ".", "-"');
export const OperatorId = z.string().regex(/^OP-[A-Z0-9]{2,12}$/, 'operator id looks like OP-0001');
export type OperatorId = z.infer<typeof OperatorId>;
export const StationId = z.string().regex(/^ST-[A-Z0-9-]{2,24}$/, 'station id looks like ST-SEW-1');
export type StationId = z.infer<typeof StationId>;
export const LineId = z.string().regex(/^LN-[A-Z0-9-]{2,24}$/, 'line id looks like LN-FIN-1');
export type LineId = z.infer<typeof LineId>;
export const MoId = z.string().regex(/^MO-\d{4}-\d{4,6}$/, 'MO id looks like MO-2026-0001');
export const WorkOrderId = z
  .string()
  .regex(/^MO-\d{4}-\d{4,6}-(CUT|EMB|SEW|SUB|FIN|PCK)$/, 'work order (SPK) id looks like MO-2026-0001-SEW');
export type WorkOrderId = z.infer<typeof WorkOrderId>;
/** ISO week the goods ship, e.g. 2026-W48. */
export const ShipWeek = z
  .string()
  .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'ship week looks like 2026-W48')
  .refine((s) => Number(s.slice(6)) <= isoWeeksInYear(Number(s.slice(0, 4))), 'that year has only 52 ISO weeks');

/** 53 ISO weeks when the year starts on a Thursday, or on a Wednesday in a leap year. */
export function isoWeeksInYear(year: number): 52 | 53 {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}
/** Retailer destination (distribution centre / country code). */
export const Destination = z.string().regex(/^[A-Z0-9-]{2,16}$/, 'destination looks like DE-DC1');
export const Quantity = z.number().int('quantity must be a whole number').positive('quantity must be > 0').max(1_000_000);
export const Count = z.number().int().min(0).max(1_000_000);

/**
 * An article's WIP codes: what the goods are called while in process at cutting (WIP CUT), embroidery (WIP EMBO, Route
 * 1 only, so optional) and sewing (WIP SEW); finishing converts the sewing code to the finished-good article code (SOP
 * 440–450). Each is an article code in form, and differs from the others and from the finished good's.
 */
export const WipCodes = z.object({ cutting: ArticleCode, embroidery: ArticleCode.optional(), sewing: ArticleCode });
export type WipCodes = z.infer<typeof WipCodes>;

/** The WIP codes must differ from one another and from the finished good's code (else a label could not tell them apart). */
export function checkWipCodes(a: { code: string; wipCodes?: WipCodes | undefined }, ctx: z.RefinementCtx): void {
  if (!a.wipCodes) return;
  const seen = new Map<string, string>([[a.code, 'the finished good']]);
  for (const stage of ['cutting', 'embroidery', 'sewing'] as const) {
    const code = a.wipCodes[stage];
    if (code === undefined) continue;
    const other = seen.get(code);
    if (other) ctx.addIssue({ code: 'custom', path: ['wipCodes', stage], message: `WIP code ${code} is already ${other}'s code` });
    else seen.set(code, `the ${stage} WIP`);
  }
}

export const Article = z.object({
  code: ArticleCode,
  name: z.string().min(1).max(120),
  /** WIP codes per department stage; finishing converts the last WIP code to the finished-good `code`. */
  wipCodes: WipCodes,
});
export type Article = z.infer<typeof Article>;

/**
 * One line of an article's bill of cut parts (SOP step 300, "check the quantity against the BOM"): cutting records
 * parts, and a toy's complete set needs `qtyPerSet` of each part.
 */
export const CutPart = z.object({
  part: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'part looks like body, ear or arm-left (lower case, 1–40)'),
  qtyPerSet: z.number().int('qtyPerSet must be a whole number').positive('qtyPerSet must be > 0').max(100),
});
export type CutPart = z.infer<typeof CutPart>;

/** An article's bill of cut parts: at least one part, each named once. */
export const CutParts = z
  .array(CutPart)
  .min(1, 'a bill of cut parts names at least one part')
  .max(40)
  .refine((parts) => new Set(parts.map((p) => p.part)).size === parts.length, 'each part is named once');

export const Station = z.object({
  id: StationId,
  department: Department,
  name: z.string().min(1).max(80),
  lineId: LineId,
});
export type Station = z.infer<typeof Station>;

export const Operator = z.object({
  id: OperatorId,
  name: z.string().min(1).max(80),
  roles: z.array(Role).min(1),
  departments: z.array(Department),
  /** scrypt hash (shared/security/pin.ts); travels with the roster so login works offline. */
  pinHash: z.string().min(1),
  active: z.boolean().default(true),
});
export type Operator = z.infer<typeof Operator>;

/** Roles that may release a halted line or a hold and sign off a broken needle (with canSupervise's departments). */
export const SUPERVISING_ROLES: readonly Role[] = ['supervisor', 'admin'];

export function holdsSupervisingRole(roles: readonly Role[]): boolean {
  return roles.some((r) => SUPERVISING_ROLES.includes(r));
}

/**
 * The PIN rule for a person the office creates or imports (the PIN in clear, before it is hashed): 4-8 digits, 6-8
 * for supervising roles (shared/security/pin-rules.ts). A refinement, so any roster input schema can add it.
 */
export function checkRosterPin(o: { roles: readonly Role[]; pin: string }, ctx: z.RefinementCtx): void {
  const problem = pinRuleProblem(o.pin, holdsSupervisingRole(o.roles));
  if (problem) ctx.addIssue({ code: 'custom', path: ['pin'], message: problem });
}

/** A person as the office creates or imports them: the PIN in clear (hashed before it is stored or sent anywhere). */
export const NewOperator = z
  .object({
    id: OperatorId,
    name: z.string().min(1).max(80),
    roles: z.array(Role).min(1).max(Role.options.length),
    departments: z.array(Department).max(Department.options.length),
    pin: z.string().max(64),
    active: z.boolean().default(true),
  })
  .superRefine(checkRosterPin);
export type NewOperator = z.infer<typeof NewOperator>;

export const ManufacturingOrder = z.object({
  id: MoId,
  articleCode: ArticleCode,
  quantity: Quantity,
  route: RouteId,
  destination: Destination,
  shipWeek: ShipWeek,
  /** The article's bill of cut parts, as PPIC released the order (copied onto every work order of the MO). */
  cutParts: CutParts,
  /** The article's WIP codes as PPIC released the order (each SPK carries its department's); absent on older orders. */
  wipCodes: WipCodes.optional(),
});
export type ManufacturingOrder = z.infer<typeof ManufacturingOrder>;

/** A work order (SPK): the slice of an MO one department (or the vendor) works on. */
export const WorkOrder = z.object({
  id: WorkOrderId,
  moId: MoId,
  place: Place,
  articleCode: ArticleCode,
  plannedQty: Quantity,
  route: RouteId,
  destination: Destination,
  shipWeek: ShipWeek,
  /** Where the goods come from (null for cutting) and go to ('fg_warehouse' after packing). */
  from: Place.nullable(),
  to: z.union([Place, z.literal('fg_warehouse')]),
  cutParts: CutParts,
  /** The WIP code the goods carry at this place (wipCodeAt); absent when the MO has none or the place works on the finished good. */
  wipCode: ArticleCode.optional(),
});
export type WorkOrder = z.infer<typeof WorkOrder>;

export function workOrderIdFor(moId: string, place: Place): WorkOrderId {
  return `${moId}-${PLACE_CODE[place]}`;
}

/** An MO fans out into one work order per place on its route, in route order. */
export function fanOut(mo: ManufacturingOrder): WorkOrder[] {
  const places = ROUTES[mo.route];
  return places.map((place, i) => ({
    id: workOrderIdFor(mo.id, place),
    moId: mo.id,
    place,
    articleCode: mo.articleCode,
    plannedQty: mo.quantity,
    route: mo.route,
    destination: mo.destination,
    shipWeek: mo.shipWeek,
    from: i === 0 ? null : (places[i - 1] ?? null),
    to: places[i + 1] ?? 'fg_warehouse',
    cutParts: mo.cutParts,
    ...withWipCode(mo.wipCodes, place),
  }));
}

/**
 * The WIP code the goods carry at `place`: cutting's at cutting and at the vendor (Route 3 sends cut pieces out),
 * embroidery's at embroidery, sewing's at sewing and at finishing (finishing receives sewn goods under it and converts
 * them to the finished-good code); none at packing (finished goods).
 */
export function wipCodeAt(codes: WipCodes | undefined, place: Place): string | undefined {
  if (!codes) return undefined;
  switch (place) {
    case 'cutting':
    case 'subcon':
      return codes.cutting;
    case 'embroidery':
      return codes.embroidery;
    case 'sewing':
    case 'finishing':
      return codes.sewing;
    default:
      return undefined;
  }
}

const withWipCode = (codes: WipCodes | undefined, place: Place): { wipCode?: string } => {
  const wipCode = wipCodeAt(codes, place);
  return wipCode === undefined ? {} : { wipCode };
};

/** The place after `place` on `route`, or undefined at the end. */
export function nextPlace(route: RouteId, place: Place): Place | undefined {
  const places = ROUTES[route];
  const i = places.indexOf(place);
  return i < 0 ? undefined : places[i + 1];
}

/**
 * Which department's station accepts goods sent to `to`. The vendor has no station: in Route 3 the cut goods are
 * locked at cutting and unlocked when finishing counts them back in from the vendor; the SUB work order only
 * tracks what is out at the vendor.
 */
export function receivingDepartment(route: RouteId, to: Place): Department | undefined {
  if (!ROUTES[route].includes(to)) return undefined;
  if (to !== 'subcon') return to;
  const after = nextPlace(route, 'subcon');
  return after === undefined || after === 'subcon' ? undefined : after;
}

/** Line clearance points (DOMAIN.md, QT-09): the receiving line's department -> SOP step. */
export const CLEARANCE_STEP: Readonly<Partial<Record<Department, 290 | 380 | 405>>> = {
  sewing: 290,
  finishing: 380,
  packing: 405,
};

/** Master data the rules consult: the roster and the stations. */
export interface MasterData {
  operators: ReadonlyMap<string, Operator>;
  stations: ReadonlyMap<string, Station>;
}

export function masterData(input: { operators?: readonly Operator[]; stations?: readonly Station[] }): MasterData {
  return {
    operators: new Map((input.operators ?? []).map((o) => [o.id, o])),
    stations: new Map((input.stations ?? []).map((s) => [s.id, s])),
  };
}

/** An operator works at a department's stations if they are of that department, or an admin (active or not: see callers). */
export function worksAt(op: Pick<Operator, 'roles' | 'departments'>, department: Department): boolean {
  return op.roles.includes('admin') || op.departments.includes(department);
}

/** A supervisor of the department (or an admin) may release halts, holds and sign off broken needles. */
export function canSupervise(op: Operator | undefined, department: Department): boolean {
  if (!op || !op.active) return false;
  if (op.roles.includes('admin')) return true;
  return op.roles.includes('supervisor') && op.departments.includes(department);
  // (SUPERVISING_ROLES names exactly these two roles: the PIN rule and this check must agree; master.test.ts.)
}
