/**
 * Master data: routes, the fan-out of an MO into work orders (SPKs), who receives goods, who may supervise, and the
 * schemas PPIC's master data must pass.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { emptyState, FLOOR_DOC_SCHEMAS, newWorkOrderDoc, stateReader } from './docs';
import { describeIssues } from './events';
import {
  Article,
  CLEARANCE_STEP,
  Department,
  ManufacturingOrder,
  NewOperator,
  Operator,
  Place,
  Role,
  ROUTES,
  RouteId,
  WorkOrder,
  WorkOrderId,
  canSupervise,
  checkWipCodes,
  fanOut,
  wipCodeAt,
  WipCodes,
  holdsSupervisingRole,
  masterData,
  nextPlace,
  receivingDepartment,
  workOrderIdFor,
  worksAt,
  type Operator as OperatorT,
} from './master';
import { Refused, Tx } from './rules/tx';
import { Floor } from './testing/flow';
import { EventFactory, fixtureMaster, fixtureOperators, fixtureStations, lineOf, mo } from './testing/fixtures';

const PIN = 'scrypt$test';

function op(over: Partial<OperatorT> = {}): OperatorT {
  return { id: 'OP-X1', name: 'someone', roles: ['operator'], departments: ['sewing'], pinHash: PIN, active: true, ...over };
}

/** Parse with `schema`; the result is "ok" or the describeIssues string, so a failure shows the field. */
function check(schema: z.ZodType, input: unknown): string {
  const r = schema.safeParse(input);
  return r.success ? 'ok' : describeIssues(r.error);
}

/** Rejected, and every issue is about `path`. */
function expectRejectedAt(schema: z.ZodType, input: unknown, path: string): void {
  const out = check(schema, input);
  expect(out, `expected a rejection naming ${path}`).not.toBe('ok');
  for (const issue of out.split('; ')) expect(issue.startsWith(`${path}: `) || issue.startsWith(`${path}.`), `"${issue}" is not about ${path}`).toBe(true);
}

describe('routes', () => {
  it('every route starts at cutting and ends at packing, through departments in order', () => {
    for (const r of RouteId.options) {
      const places = ROUTES[r];
      expect(places[0]).toBe('cutting');
      expect(places[places.length - 1]).toBe('packing');
      expect(new Set(places).size).toBe(places.length);
    }
    expect(ROUTES.R1).toEqual(['cutting', 'embroidery', 'sewing', 'finishing', 'packing']);
    expect(ROUTES.R2).toEqual(['cutting', 'sewing', 'finishing', 'packing']);
    expect(ROUTES.R3).toEqual(['cutting', 'subcon', 'finishing', 'packing']);
  });

  it('line clearance points: sewing 290, finishing 380, packing 405', () => {
    expect(CLEARANCE_STEP).toEqual({ sewing: 290, finishing: 380, packing: 405 });
  });

  it('workOrderIdFor makes a valid SPK id for every place', () => {
    for (const p of Place.options) expect(check(WorkOrderId, workOrderIdFor('MO-2026-0001', p)), p).toBe('ok');
    expect(workOrderIdFor('MO-2026-0001', 'subcon')).toBe('MO-2026-0001-SUB');
    expect(workOrderIdFor('MO-2026-123456', 'packing')).toBe('MO-2026-123456-PCK');
  });
});

describe('fanOut', () => {
  const base = mo(7, { quantity: 250, destination: 'US-DC2', shipWeek: '2026-W48', articleCode: 'BUNNY-25' });

  it.each([
    [
      'R1',
      'five work orders, cutting → embroidery → sewing → finishing → packing → FG warehouse',
      ['MO-2026-0007-CUT', 'MO-2026-0007-EMB', 'MO-2026-0007-SEW', 'MO-2026-0007-FIN', 'MO-2026-0007-PCK'],
      [
        [null, 'cutting', 'embroidery'],
        ['cutting', 'embroidery', 'sewing'],
        ['embroidery', 'sewing', 'finishing'],
        ['sewing', 'finishing', 'packing'],
        ['finishing', 'packing', 'fg_warehouse'],
      ],
    ],
    [
      'R2',
      'four work orders, cutting straight to sewing, no embroidery',
      ['MO-2026-0007-CUT', 'MO-2026-0007-SEW', 'MO-2026-0007-FIN', 'MO-2026-0007-PCK'],
      [
        [null, 'cutting', 'sewing'],
        ['cutting', 'sewing', 'finishing'],
        ['sewing', 'finishing', 'packing'],
        ['finishing', 'packing', 'fg_warehouse'],
      ],
    ],
  ] as const)('%s: %s', (route, _what, ids, hops) => {
    const wos = fanOut({ ...base, route });
    expect(wos.map((w) => w.id)).toEqual(ids);
    expect(wos.map((w) => [w.from, w.place, w.to])).toEqual(hops);
  });

  it('R3: a SUB work order for the vendor between cutting and finishing', () => {
    const wos = fanOut({ ...base, route: 'R3' });
    expect(wos.map((w) => w.id)).toEqual(['MO-2026-0007-CUT', 'MO-2026-0007-SUB', 'MO-2026-0007-FIN', 'MO-2026-0007-PCK']);
    const sub = wos.find((w) => w.place === 'subcon');
    expect(sub).toMatchObject({ id: 'MO-2026-0007-SUB', from: 'cutting', to: 'finishing', plannedQty: 250 });
    expect(wos.map((w) => [w.from, w.place, w.to])).toEqual([
      [null, 'cutting', 'subcon'],
      ['cutting', 'subcon', 'finishing'],
      ['subcon', 'finishing', 'packing'],
      ['finishing', 'packing', 'fg_warehouse'],
    ]);
  });

  it.each(RouteId.options)('%s: every work order is valid, carries the MO, and the from/to chain links up', (route) => {
    const m = { ...base, route };
    const wos = fanOut(m);
    expect(wos.map((w) => w.place)).toEqual(ROUTES[route]);
    expect(new Set(wos.map((w) => w.id)).size).toBe(wos.length);
    wos.forEach((w, i) => {
      expect(check(WorkOrder, w), w.id).toBe('ok');
      expect(w).toMatchObject({ moId: m.id, articleCode: m.articleCode, plannedQty: m.quantity, route, destination: m.destination, shipWeek: m.shipWeek });
      expect(w.id).toBe(workOrderIdFor(m.id, w.place));
      const next = wos[i + 1];
      if (next) {
        expect(w.to).toBe(next.place);
        expect(next.from).toBe(w.place);
        expect(nextPlace(route, w.place)).toBe(next.place);
      } else {
        expect(w.to).toBe('fg_warehouse');
      }
    });
    expect(wos[0]?.from).toBeNull();
  });

  it('is pure: the MO is untouched and a second fan-out is equal', () => {
    const m = { ...base, route: 'R1' as const };
    const copy = structuredClone(m);
    const a = fanOut(m);
    expect(fanOut(m)).toEqual(a);
    expect(m).toEqual(copy);
  });
});

describe('nextPlace', () => {
  it('follows each route', () => {
    expect(nextPlace('R1', 'cutting')).toBe('embroidery');
    expect(nextPlace('R1', 'embroidery')).toBe('sewing');
    expect(nextPlace('R1', 'sewing')).toBe('finishing');
    expect(nextPlace('R2', 'cutting')).toBe('sewing');
    expect(nextPlace('R3', 'cutting')).toBe('subcon');
    expect(nextPlace('R3', 'subcon')).toBe('finishing');
    expect(nextPlace('R3', 'finishing')).toBe('packing');
  });

  it('is undefined after packing and for a place not on the route', () => {
    for (const r of RouteId.options) expect(nextPlace(r, 'packing')).toBeUndefined();
    expect(nextPlace('R2', 'embroidery')).toBeUndefined();
    expect(nextPlace('R1', 'subcon')).toBeUndefined();
    expect(nextPlace('R3', 'sewing')).toBeUndefined();
  });
});

describe('receivingDepartment', () => {
  it('a department receives its own goods', () => {
    for (const r of RouteId.options) {
      for (const p of ROUTES[r]) if (p !== 'subcon') expect(receivingDepartment(r, p)).toBe(p);
    }
  });

  it('R3: goods sent to the vendor are counted back in at finishing', () => {
    expect(receivingDepartment('R3', 'subcon')).toBe('finishing');
  });

  it('a route without the vendor has nobody to receive vendor goods', () => {
    expect(receivingDepartment('R1', 'subcon')).toBeUndefined();
    expect(receivingDepartment('R2', 'subcon')).toBeUndefined();
  });
});

describe('worksAt', () => {
  it('an operator works at their departments, an admin at every one, anyone else at none', () => {
    const sewer = op({ roles: ['operator'], departments: ['sewing', 'finishing'] });
    expect(Department.options.filter((d) => worksAt(sewer, d))).toEqual(['sewing', 'finishing']);
    const admin = op({ roles: ['admin'], departments: [] });
    for (const d of Department.options) expect(worksAt(admin, d)).toBe(true);
    const supervisor = op({ roles: ['supervisor'], departments: ['cutting'] });
    expect(worksAt(supervisor, 'packing')).toBe(false);
  });
});

describe('canSupervise', () => {
  it('a supervisor of the department may, of another department may not', () => {
    const sv = op({ roles: ['supervisor'], departments: ['finishing'] });
    expect(canSupervise(sv, 'finishing')).toBe(true);
    expect(canSupervise(sv, 'sewing')).toBe(false);
  });

  it('an admin may anywhere, even with no departments', () => {
    const admin = op({ roles: ['admin'], departments: [] });
    for (const d of Department.options) expect(canSupervise(admin, d)).toBe(true);
  });

  it('operators, line leaders and QC may not; nobody inactive or unknown may', () => {
    for (const role of ['operator', 'line_leader', 'qc_inspector', 'qc_lab', 'ppic', 'warehouse'] as const) {
      expect(canSupervise(op({ roles: [role], departments: ['sewing'] }), 'sewing'), role).toBe(false);
    }
    expect(canSupervise(op({ roles: ['supervisor'], departments: ['sewing'], active: false }), 'sewing')).toBe(false);
    expect(canSupervise(op({ roles: ['admin'], active: false }), 'sewing')).toBe(false);
    expect(canSupervise(undefined, 'sewing')).toBe(false);
  });

  it('a supervisor of several departments, or also an operator, may in each of them', () => {
    const sv = op({ roles: ['operator', 'supervisor'], departments: ['sewing', 'finishing'] });
    expect(canSupervise(sv, 'sewing')).toBe(true);
    expect(canSupervise(sv, 'finishing')).toBe(true);
    expect(canSupervise(sv, 'packing')).toBe(false);
  });

  it('agrees with the rule book (Tx.supervisor) for every operator and department', () => {
    const roster = [...fixtureOperators(), op({ id: 'OP-OLD', roles: ['supervisor'], departments: ['finishing'], active: false })];
    const master = masterData({ operators: roster, stations: fixtureStations() });
    const event = new EventFactory().at('finishing', { type: 'md.powerOn', payload: { lineId: lineOf('finishing'), deviceId: 'MD01' } }, null);
    const station = master.stations.get('ST-FIN-1');
    if (!station) throw new Error('no station');
    const tx = new Tx(stateReader(emptyState()), event, master, station, undefined);
    for (const o of roster) {
      for (const d of Department.options) {
        let ruleSays = true;
        try {
          tx.supervisor(o.id, d);
        } catch (err) {
          if (!(err instanceof Refused)) throw err;
          ruleSays = false;
        }
        expect(canSupervise(o, d), `${o.id} at ${d}`).toBe(ruleSays);
      }
    }
  });
});

describe('masterData', () => {
  it('indexes operators and stations by id', () => {
    const m = fixtureMaster();
    expect(m.stations.get('ST-SEW-1')).toMatchObject({ department: 'sewing', lineId: 'LN-SEW-1' });
    expect(m.operators.get('OP-SEWSV')?.roles).toEqual(['supervisor']);
    expect(masterData({}).operators.size).toBe(0);
  });
});

describe('schemas name the bad field', () => {
  const article: z.input<typeof Article> = {
    code: 'BEAR-30',
    name: 'Brown bear 30 cm',
    wipCodes: { cutting: 'BEAR-30-C', embroidery: 'BEAR-30-E', sewing: 'BEAR-30-S' },
  };
  const operator: z.input<typeof Operator> = { id: 'OP-0001', name: 'Siti', roles: ['operator'], departments: ['sewing'], pinHash: PIN, active: true };
  const order: z.input<typeof ManufacturingOrder> = { id: 'MO-2026-0001', articleCode: 'BEAR-30', quantity: 100, route: 'R1', destination: 'DE-DC1', shipWeek: '2026-W48', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }] };

  it('valid samples parse; an article without embroidery and an operator without `active` are fine', () => {
    expect(check(Article, article)).toBe('ok');
    expect(check(Article, { ...article, wipCodes: { cutting: 'BEAR-30-C', sewing: 'BEAR-30-S' } })).toBe('ok');
    expect(check(Operator, operator)).toBe('ok');
    const { active: _active, ...noActive } = operator;
    expect(Operator.parse(noActive).active).toBe(true);
    expect(check(ManufacturingOrder, order)).toBe('ok');
    for (const r of RouteId.options) expect(check(ManufacturingOrder, { ...order, route: r })).toBe('ok');
  });

  it('Article', () => {
    for (const code of ['bear-30', 'AB', '-BEAR', 'BEAR 30', 'B'.repeat(33)]) expectRejectedAt(Article, { ...article, code }, 'code');
    expectRejectedAt(Article, { ...article, name: '' }, 'name');
    const { name: _name, ...noName } = article;
    expectRejectedAt(Article, noName, 'name');
    expectRejectedAt(Article, { ...article, wipCodes: { ...article.wipCodes, cutting: 'c' } }, 'wipCodes.cutting');
    expectRejectedAt(Article, { ...article, wipCodes: { cutting: 'BEAR-30-C' } }, 'wipCodes.sewing');
    expectRejectedAt(Article, { ...article, wipCodes: 'BEAR-30-C' }, 'wipCodes');
  });

  it('Operator', () => {
    for (const id of ['OP-1', 'op-0001', '0001', 'OP-ABCDEFGHIJKLM']) expectRejectedAt(Operator, { ...operator, id }, 'id');
    expectRejectedAt(Operator, { ...operator, roles: [] }, 'roles');
    expectRejectedAt(Operator, { ...operator, roles: ['boss'] }, 'roles.0');
    expectRejectedAt(Operator, { ...operator, departments: ['sewing', 'subcon'] }, 'departments.1');
    expectRejectedAt(Operator, { ...operator, pinHash: '' }, 'pinHash');
    expectRejectedAt(Operator, { ...operator, active: 'yes' }, 'active');
    expectRejectedAt(Operator, { ...operator, name: 'x'.repeat(81) }, 'name');
  });

  it('ManufacturingOrder: a bad ship week names shipWeek', () => {
    for (const shipWeek of ['2026-48', '2026-W00', '2026-W54', '2026-W8', 'W48-2026', '2026W48', '26-W48', '2026-w48']) {
      expectRejectedAt(ManufacturingOrder, { ...order, shipWeek }, 'shipWeek');
    }
    for (const shipWeek of ['2026-W01', '2026-W09', '2026-W10', '2026-W53']) expect(check(ManufacturingOrder, { ...order, shipWeek }), shipWeek).toBe('ok');
  });

  it('ManufacturingOrder: a bill of cut parts needs at least one part, each named once, whole positive quantities', () => {
    const { cutParts: _cutParts, ...noBom } = order;
    expectRejectedAt(ManufacturingOrder, noBom, 'cutParts');
    expectRejectedAt(ManufacturingOrder, { ...order, cutParts: [] }, 'cutParts');
    expectRejectedAt(ManufacturingOrder, { ...order, cutParts: [{ part: 'ear', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }] }, 'cutParts');
    expectRejectedAt(ManufacturingOrder, { ...order, cutParts: [{ part: 'ear', qtyPerSet: 0 }] }, 'cutParts.0.qtyPerSet');
    expectRejectedAt(ManufacturingOrder, { ...order, cutParts: [{ part: 'ear', qtyPerSet: 1.5 }] }, 'cutParts.0.qtyPerSet');
    expectRejectedAt(ManufacturingOrder, { ...order, cutParts: [{ part: 'Ear Left', qtyPerSet: 1 }] }, 'cutParts.0.part');
  });

  it('ManufacturingOrder: a bad MO id names id', () => {
    for (const id of ['MO-26-0001', 'mo-2026-0001', 'MO-2026-001', 'MO-2026-1234567', 'MO-2026-0001-CUT', '2026-0001']) {
      expectRejectedAt(ManufacturingOrder, { ...order, id }, 'id');
    }
  });

  it('ManufacturingOrder: quantity, route, destination, article', () => {
    for (const quantity of [0, -5, 2.5, '100']) expectRejectedAt(ManufacturingOrder, { ...order, quantity }, 'quantity');
    expectRejectedAt(ManufacturingOrder, { ...order, route: 'R4' }, 'route');
    expectRejectedAt(ManufacturingOrder, { ...order, destination: 'de-dc1' }, 'destination');
    expectRejectedAt(ManufacturingOrder, { ...order, articleCode: 'bear' }, 'articleCode');
    const { shipWeek: _shipWeek, ...noWeek } = order;
    expectRejectedAt(ManufacturingOrder, noWeek, 'shipWeek');
  });
});

describe('domain bugs found in review (fixed; kept as regression tests)', () => {
  // ShipWeek accepts W53 in every year, but only "long" ISO years have a week 53 (2026 does, 2025 does not:
  // 1 Jan 2025 is a Wednesday and 2025 is not a leap year). An MO or carton for 2025-W53 ships in a week that
  // does not exist. Minor; fix with a refine on the ISO week count of the year.
  it('ShipWeek refuses week 53 of a year that has only 52 ISO weeks', () => {
    expectRejectedAt(ManufacturingOrder, { id: 'MO-2025-0001', articleCode: 'BEAR-30', quantity: 1, route: 'R1', destination: 'DE-DC1', shipWeek: '2025-W53', cutParts: [{ part: 'body', qtyPerSet: 1 }] }, 'shipWeek');
  });

  // receivingDepartment(route, to) returns `to` for any department, on the route or not. rules/transfer.ts
  // transferFromSlip relies on it (`if (!receiver) refuse('wrong_work_order', …)`) to vet a slip it has never seen
  // the LOCK for, so a slip naming a place off the route is accepted (next test).
  it('receivingDepartment refuses a department that is not on the route', () => {
    expect(receivingDepartment('R2', 'embroidery')).toBeUndefined();
    expect(receivingDepartment('R3', 'sewing')).toBeUndefined();
  });

  // acceptTransfer from a slip (offline, LOCK not yet synced) never checks the slip against the route, the MO or
  // the article: it only checks the slip agrees with the payload and that the receiving department is this station's.
  // Cut goods of an R1 order accepted straight into sewing (skipping embroidery), or another MO's / article's goods
  // accepted into this MO's WIP, become receivedQty; the sender's later LOCK is then refused (not_next_on_route /
  // wrong_work_order) and the pieces are counted twice (still ready at the sender, received at the receiver).
  it('a slip that skips a department on the route is refused', () => {
    const M = mo(1);
    const floor = new Floor([M]);
    const slip = { workOrderId: workOrderIdFor(M.id, 'cutting'), toWorkOrderId: workOrderIdFor(M.id, 'sewing'), articleCode: M.articleCode, quantity: 30, from: 'cutting' as const, to: 'sewing' as const, fromStationId: 'ST-CUT-1', payload: 'signed-slip' };
    const r = floor.try('sewing', { type: 'transfer.accepted', payload: { transferId: '0190f5a2-1c3b-7def-8123-456789abcdef', workOrderId: slip.workOrderId, toWorkOrderId: slip.toWorkOrderId, countedQty: 30, lineId: lineOf('sewing'), slip } });
    expect(r.ok ? 'ok' : r.refusal.code).not.toBe('ok');
    expect(floor.wo(M.id, 'sewing').receivedQty).toBe(0);
  });

  it("a slip from another MO's work order, for another article, is refused", () => {
    const M = mo(1);
    const floor = new Floor([M, mo(2)]);
    const slip = { workOrderId: 'MO-2026-0002-CUT', toWorkOrderId: workOrderIdFor(M.id, 'embroidery'), articleCode: 'OTHER-1', quantity: 7, from: 'cutting' as const, to: 'embroidery' as const, fromStationId: 'ST-CUT-1', payload: 'signed-slip' };
    const r = floor.try('embroidery', { type: 'transfer.accepted', payload: { transferId: '0190f5a2-1c3b-7def-8123-456789abcd01', workOrderId: slip.workOrderId, toWorkOrderId: slip.toWorkOrderId, countedQty: 7, lineId: lineOf('embroidery'), slip } });
    expect(r.ok ? 'ok' : r.refusal.code).not.toBe('ok');
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(0);
  });
});

describe('PIN rules for the roster (issue 10: a 4-digit supervisor PIN was recovered offline in 79 s)', () => {
  const person = (roles: OperatorT['roles'], pin: string) => ({ id: 'OP-NEW1', name: 'new', roles, departments: ['sewing' as const], pin });
  const problem = (roles: OperatorT['roles'], pin: string) => {
    const r = NewOperator.safeParse(person(roles, pin));
    return r.success ? null : describeIssues(r.error);
  };

  it('operators: 4-8 digits', () => {
    expect(problem(['operator'], '1357')).toBeNull();
    expect(problem(['operator', 'line_leader'], '13579135')).toBeNull();
    expect(problem(['operator'], '135')).toMatch(/pin.*4-8 digits/i);
    expect(problem(['operator'], '135791357')).toMatch(/pin.*4-8 digits/i);
    expect(problem(['operator'], '13a7')).toMatch(/pin.*4-8 digits/i);
  });

  it('whoever may release a halted line (supervisor, admin): 6-8 digits, refused with a message that says why', () => {
    expect(problem(['supervisor'], '246802')).toBeNull();
    expect(problem(['supervisor'], '24680246')).toBeNull();
    const four = problem(['supervisor'], '2468');
    expect(four).toMatch(/pin/i);
    expect(four).toMatch(/supervisor/i);
    expect(four).toMatch(/6-8 digits/);
    expect(problem(['operator', 'supervisor'], '13579')).toMatch(/6-8 digits/);
    expect(problem(['admin'], '1357')).toMatch(/6-8 digits/);
    expect(problem(['supervisor'], '246802468')).toMatch(/6-8 digits/);
  });

  it('the rule names the roles it applies to, and canSupervise agrees with them', () => {
    for (const role of Role.options) {
      const op: OperatorT = { id: 'OP-X1', name: 'x', roles: [role], departments: ['sewing'], pinHash: 'h', active: true };
      expect(holdsSupervisingRole([role]), role).toBe(canSupervise(op, 'sewing'));
    }
  });
});

describe('WIP codes (issue 14): in the article master, on the MO, one per SPK', () => {
  const codes = { cutting: 'BEAR-30-C', embroidery: 'BEAR-30-E', sewing: 'BEAR-30-S' };
  const order = (over: Partial<z.input<typeof ManufacturingOrder>> = {}) =>
    ManufacturingOrder.parse({ id: 'MO-2026-0007', articleCode: 'BEAR-30', quantity: 10, route: 'R1', destination: 'DE-DC1', shipWeek: '2026-W48', cutParts: [{ part: 'body', qtyPerSet: 1 }], ...over });

  it('WipCodes: cutting and sewing required, embroidery optional (Route 1 only); each an article code', () => {
    expect(check(WipCodes, codes)).toBe('ok');
    expect(check(WipCodes, { cutting: 'BEAR-30-C', sewing: 'BEAR-30-S' })).toBe('ok');
    expectRejectedAt(WipCodes, { cutting: 'BEAR-30-C' }, 'sewing');
    expectRejectedAt(WipCodes, { ...codes, embroidery: 'e' }, 'embroidery');
  });

  it('checkWipCodes: a code the finished good or another stage already has is refused at that stage', () => {
    const withCheck = (code: string) => WipCodes.superRefine((w, ctx) => checkWipCodes({ code, wipCodes: w }, ctx));
    expect(check(withCheck('BEAR-30'), codes)).toBe('ok');
    expectRejectedAt(withCheck('BEAR-30'), { ...codes, sewing: 'BEAR-30' }, 'wipCodes.sewing');
    expectRejectedAt(withCheck('BEAR-30'), { ...codes, embroidery: 'BEAR-30-C' }, 'wipCodes.embroidery');
  });

  it("fanOut: each SPK carries its department's code (the vendor: cutting's; finishing: sewing's, which it converts; packing: none)", () => {
    const r1 = Object.fromEntries(fanOut(order({ wipCodes: codes })).map((wo) => [wo.place, wo.wipCode]));
    expect(r1).toEqual({ cutting: 'BEAR-30-C', embroidery: 'BEAR-30-E', sewing: 'BEAR-30-S', finishing: 'BEAR-30-S', packing: undefined });
    const r3 = Object.fromEntries(fanOut(order({ route: 'R3', wipCodes: codes })).map((wo) => [wo.place, wo.wipCode]));
    expect(r3).toMatchObject({ cutting: 'BEAR-30-C', subcon: 'BEAR-30-C', finishing: 'BEAR-30-S' });
    expect(wipCodeAt(undefined, 'sewing')).toBeUndefined();
  });

  it('additive: an MO and its SPK documents without WIP codes (an older office or station) still read, and a document with one reads as before', () => {
    const older = order();
    expect(older.wipCodes).toBeUndefined();
    for (const wo of fanOut(older)) {
      expect('wipCode' in wo).toBe(false);
      expect(FLOOR_DOC_SCHEMAS.workOrder.safeParse(newWorkOrderDoc(wo)).success).toBe(true);
    }
    const [cut] = fanOut(order({ wipCodes: codes }));
    const doc = FLOOR_DOC_SCHEMAS.workOrder.parse(newWorkOrderDoc(cut!));
    expect(doc.wipCode).toBe('BEAR-30-C');
  });
});
