/**
 * The event schemas are the boundary every station action crosses (station core, sync push, server). These tests
 * pin them down: a valid sample for every event type, and for every field a wrong or missing value rejected with
 * an error that names the field's path, so an operator or a log line can tell what was wrong.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  EventEnvelope,
  PAYLOADS,
  describeIssues,
  eventWallMs,
  lineOf,
  makeEvent,
  parseAction,
  parseEvent,
  type Action,
  type EventType,
  type ParseResult,
  type PayloadOf,
  type SlipCopy,
} from './events';
import { EventFactory } from './testing/fixtures';

const CUT = 'MO-2026-0001-CUT';
const EMB = 'MO-2026-0001-EMB';
const SEW = 'MO-2026-0001-SEW';
const FIN = 'MO-2026-0001-FIN';
const PCK = 'MO-2026-0001-PCK';
const TRANSFER_ID = '0190f5a2-1c3b-7def-8123-456789abcdef';
const HALT_ID = '0190f5a2-1c3b-7def-8123-456789abcd01';
const HOLD_ID = '0190f5a2-1c3b-7def-8123-456789abcd02';
/** GS1 General Specifications example SSCC, valid check digit 7. */
const SSCC = '106141411234567897';

const ENV: EventEnvelope = {
  id: '0190f5a2-1c3b-7def-8123-000000000001',
  stationId: 'ST-FIN-1',
  seq: 1,
  hlc: '1767225600000-00003-ST-FIN-1',
  operatorId: 'OP-FIN1',
  v: EVENT_SCHEMA_VERSION,
};

const SLIP: SlipCopy = {
  workOrderId: SEW,
  toWorkOrderId: FIN,
  articleCode: 'BEAR-30',
  quantity: 50,
  from: 'sewing',
  to: 'finishing',
  fromStationId: 'ST-SEW-1',
  payload: 'signed-slip-payload',
};

/**
 * One valid payload per event type, with every field (optional ones too) filled in. Typed by `EventType`, so a new
 * type without a sample fails to compile; the first test below also checks it at run time.
 */
const SAMPLES: { [T in EventType]: PayloadOf<T> } = {
  'operator.login': { method: 'badge_pin' },
  'operator.logout': { reason: 'shift_end' },
  'spk.received': { workOrderId: CUT },
  'material.allocated': { workOrderId: CUT, materials: [{ materialCode: 'FAB-PLUSH-BRN', qty: 12.5, unit: 'm' }] },
  'cutting.output': { workOrderId: CUT, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 100 },
  'cutting.shortage': { workOrderId: CUT, shortQty: 12, reason: 'fabric roll short' },
  'cutting.surplus': { workOrderId: CUT, surplusQty: 5, reason: 'fabric yield' },
  'embroidery.output': { workOrderId: EMB, lineId: 'LN-EMB-1', goodQty: 98, defectQty: 2, defectReason: 'thread break' },
  'sewing.stage': { workOrderId: SEW, lineId: 'LN-SEW-1', stage: 'labelling', goodQty: 50, destinationLabel: 'DE-DC1' },
  'qc.inline': { workOrderId: SEW, lineId: 'LN-SEW-1', stage: 'assembly', result: 'rework', qty: 2, defectReason: 'open seam' },
  'segregation.acknowledged': { lineId: 'LN-SEW-1', workOrderId: SEW, checklist: [{ item: 'no pieces of the previous order', ok: true }] },
  'line.cleared': { lineId: 'LN-FIN-1', step: 380, checklist: [{ item: 'line empty', ok: true }] },
  'transfer.created': {
    transferId: TRANSFER_ID,
    workOrderId: SEW,
    toWorkOrderId: FIN,
    articleCode: 'BEAR-30',
    quantity: 50,
    from: 'sewing',
    to: 'finishing',
    lineId: 'LN-SEW-1',
  },
  'transfer.accepted': { transferId: TRANSFER_ID, workOrderId: SEW, toWorkOrderId: FIN, countedQty: 50, lineId: 'LN-FIN-1', slip: SLIP, partsCounted: [{ part: 'body', qty: 50 }] },
  'transfer.discrepancy': {
    transferId: TRANSFER_ID,
    workOrderId: SEW,
    toWorkOrderId: FIN,
    countedQty: 48,
    reason: 'two pieces missing',
    lineId: 'LN-FIN-1',
    slip: SLIP,
    partsCounted: [{ part: 'body', qty: 48 }],
  },
  'finishing.step': { workOrderId: FIN, lineId: 'LN-FIN-1', step: 'stuffing', qty: 50 },
  'finishing.physicalQc': { workOrderId: FIN, lineId: 'LN-FIN-1', result: 'scrap', qty: 1, defectReason: 'asymmetric ears' },
  'fg.converted': { workOrderId: FIN, lineId: 'LN-FIN-1', qty: 49, fgArticleCode: 'BEAR-30' },
  'packing.sorted': { workOrderId: PCK, destination: 'DE-DC1', shipWeek: '2026-W50', qty: 49 },
  'packing.carton': { workOrderId: PCK, lineId: 'LN-PCK-1', sscc: SSCC, destination: 'DE-DC1', shipWeek: '2026-W50', qty: 24 },
  'packing.shippingMark': { workOrderId: PCK, sscc: SSCC },
  'packing.finalInspection': { workOrderId: PCK, result: 'pass', sampleSize: 8, defectsFound: 0 },
  'packing.completed': { workOrderId: PCK },
  'packing.shortClosed': { workOrderId: PCK, supervisorId: 'OP-SUP1', reason: 'ship week closes today' },
  'md.pass': { lineId: 'LN-FIN-1', workOrderId: FIN, deviceId: 'MD01', count: 1 },
  'md.detection': { lineId: 'LN-FIN-1', workOrderId: FIN, deviceId: 'MD01', metal: 'fe', messageNo: 42 },
  'md.verification': {
    lineId: 'LN-FIN-1',
    deviceId: 'MD01',
    trigger: 'hourly',
    result: 'pass',
    pieces: [{ metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-1', detected: true }],
    requiredMetals: ['fe'],
  },
  'md.verificationOverdue': { lineId: 'LN-FIN-1', deviceId: 'MD01', dueAtMs: 1767229200000 },
  'md.fault': { lineId: 'LN-FIN-1', deviceId: 'MD01', bits: 0x0004, description: 'belt motor overload', suspectedDetection: false },
  'md.powerOn': { lineId: 'LN-FIN-1', deviceId: 'MD01' },
  'line.halted': { lineId: 'LN-FIN-1', reason: 'suspected needle in a piece' },
  'line.released': {
    lineId: 'LN-FIN-1',
    haltId: HALT_ID,
    supervisorId: 'OP-FINSV',
    disposition: 'metal_found',
    correctiveAction: 'fragment removed, piece destroyed',
  },
  'hold.released': { holdId: HOLD_ID, supervisorId: 'OP-FINSV', results: [{ workOrderId: FIN, passedQty: 25, rejectedQty: 5 }], note: 'rescanned: 5 rejected, scrapped' },
  'needle.broken': {
    lineId: 'LN-SEW-1',
    machineId: 'SM-07',
    workOrderId: SEW,
    allFragmentsFound: false,
    needleExchanged: true,
    supervisorId: 'OP-SEWSV',
    piecesInProcess: 20,
  },
  'conflict.resolved': { conflictId: '0190a8c2-7b3e-7c4d-8e5f-0123456789ab', decision: 'void', supervisorId: 'OP-SUP1', note: 'same pieces on two slips' },
  'alert.acknowledged': { alertId: '0190a8c2-7b3e-7c4d-8e5f-0123456789ab', note: 'seen' },
  'alert.investigating': { alertId: '0190a8c2-7b3e-7c4d-8e5f-0123456789ab', signedBy: 'OP-SUP1', note: 'checking the belt' },
  'alert.closed': { alertId: '0190a8c2-7b3e-7c4d-8e5f-0123456789ab', signedBy: 'OP-SUP1', note: 'belt cleaned' },
  'spk.closed': { workOrderId: CUT, department: 'cutting' },
  'labour.started': { workOrderId: CUT },
  'labour.paused': { workOrderId: CUT, reason: 'break' },
  'labour.finished': { workOrderId: CUT },
};

/** Payload fields a station may leave out. Anything not listed here is required. */
const OPTIONAL: Partial<Record<EventType, readonly string[]>> = {
  'embroidery.output': ['defectReason'],
  'sewing.stage': ['destinationLabel'],
  'qc.inline': ['defectReason'],
  /** Parts are counted only where the receiver checks them against the BOM (step 300). */
  'transfer.accepted': ['slip', 'partsCounted'],
  'transfer.discrepancy': ['slip', 'partsCounted'],
  'finishing.physicalQc': ['defectReason'],
  'md.detection': ['workOrderId', 'messageNo'],
  'md.fault': ['suspectedDetection'],
  /** Stations before the field existed did not send it: their runs stay readable (the rules then require Fe). */
  'md.verification': ['requiredMetals'],
  /** An operator acknowledging an alert need not say anything. */
  'alert.acknowledged': ['note'],
  /** Releases recorded before the station asked for a note stay readable. */
  'hold.released': ['note'],
};

type Json = Record<string, unknown>;

function sampleAction(type: EventType): Action {
  return { type, payload: structuredClone(SAMPLES[type]) } as Action;
}

function sampleEvent(type: EventType): Json {
  return { ...ENV, type, payload: structuredClone(SAMPLES[type]) };
}

/** `event` with `payload[field]` replaced (or deleted when `value` is `DELETE`). */
const DELETE = Symbol('delete');
function withPayloadField(type: EventType, field: string, value: unknown): Json {
  const event = sampleEvent(type);
  const payload = { ...(event.payload as Json) };
  if (value === DELETE) delete payload[field];
  else payload[field] = value;
  return { ...event, payload };
}

function withEnvelopeField(type: EventType, field: string, value: unknown): Json {
  const event = sampleEvent(type);
  if (value === DELETE) delete event[field];
  else event[field] = value;
  return event;
}

/** A value of the wrong JSON type for `value`: a number for a string, a string for anything else. */
function wrongTyped(value: unknown): unknown {
  return typeof value === 'string' ? 12345 : 'wrong-type';
}

/** The parse was refused, every issue is about `path` (or inside it), and at least one names it. */
function expectRejectedAt(r: ParseResult<unknown>, path: string): void {
  expect(r.ok, `expected a rejection naming ${path}`).toBe(false);
  if (r.ok) return;
  const issues = r.error.split('; ');
  expect(
    issues.some((i) => i.startsWith(`${path}: `) || i.startsWith(`${path}.`)),
    `"${r.error}" should name ${path}`,
  ).toBe(true);
  for (const i of issues) expect(i.startsWith(`${path}: `) || i.startsWith(`${path}.`), `"${i}" is not about ${path}`).toBe(true);
}

function payloadKeys(type: EventType): string[] {
  return Object.keys(PAYLOADS[type].shape).sort();
}

describe('samples', () => {
  it('there is a sample for exactly the event types in PAYLOADS', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
    expect(EVENT_TYPES.length).toBeGreaterThan(0);
  });

  it.each([...EVENT_TYPES])('%s: the sample fills every payload field and parses', (type) => {
    expect(Object.keys(SAMPLES[type]).sort()).toEqual(payloadKeys(type));
    const r = parseEvent(sampleEvent(type));
    expect(r.ok ? 'ok' : r.error).toBe('ok');
    if (r.ok) expect(r.value).toEqual(sampleEvent(type));
  });

  it('the OPTIONAL table names only fields that exist', () => {
    for (const [type, fields] of Object.entries(OPTIONAL)) {
      for (const f of fields ?? []) expect(payloadKeys(type as EventType), `${type}.${f}`).toContain(f);
    }
  });

  it('the envelope sample has exactly the envelope fields', () => {
    expect(Object.keys(ENV).sort()).toEqual(Object.keys(EventEnvelope.shape).sort());
  });
});

describe.each([...EVENT_TYPES])('%s: every payload field is checked', (type) => {
  const fields = Object.keys(SAMPLES[type]);
  const optional = OPTIONAL[type] ?? [];

  it.each(fields)('payload.%s of the wrong type is rejected naming it', (field) => {
    const value = (SAMPLES[type] as Json)[field];
    expectRejectedAt(parseEvent(withPayloadField(type, field, wrongTyped(value))), `payload.${field}`);
  });

  it.each(fields)('payload.%s left out: rejected naming it if required, accepted if optional', (field) => {
    const r = parseEvent(withPayloadField(type, field, DELETE));
    if (optional.includes(field)) expect(r.ok ? 'ok' : r.error).toBe('ok');
    else expectRejectedAt(r, `payload.${field}`);
  });

  it('payload of the wrong type or missing is rejected naming payload', () => {
    expectRejectedAt(parseEvent({ ...sampleEvent(type), payload: 'wrong-type' }), 'payload');
    expectRejectedAt(parseEvent({ ...sampleEvent(type), payload: null }), 'payload');
    expectRejectedAt(parseEvent(withEnvelopeField(type, 'payload', DELETE)), 'payload');
  });
});

describe.each([...EVENT_TYPES])('%s: every envelope field is checked', (type) => {
  const fields = Object.keys(ENV) as (keyof EventEnvelope)[];

  it.each(fields)('%s of the wrong type is rejected naming it', (field) => {
    expectRejectedAt(parseEvent(withEnvelopeField(type, field, wrongTyped(ENV[field]))), field);
  });

  it.each(fields)('%s left out is rejected naming it', (field) => {
    expectRejectedAt(parseEvent(withEnvelopeField(type, field, DELETE)), field);
  });

  it('type of the wrong type or missing is rejected naming type', () => {
    expectRejectedAt(parseEvent(withEnvelopeField(type, 'type', 42)), 'type');
    expectRejectedAt(parseEvent(withEnvelopeField(type, 'type', DELETE)), 'type');
  });
});

describe('hard cases', () => {
  it('an unknown type is rejected naming type', () => {
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), type: 'spk.deleted' }), 'type');
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), type: 'SPK.RECEIVED' }), 'type');
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), type: '' }), 'type');
  });

  it('a payload of another type is rejected naming the fields it lacks', () => {
    // A cutting.output payload under the spk.received type is fine (extra fields are dropped)...
    expect(parseEvent({ ...sampleEvent('cutting.output'), type: 'spk.received' }).ok).toBe(true);
    // ...but an spk.received payload under cutting.output lacks lineId, size, part and goodQty.
    const r = parseEvent({ ...sampleEvent('spk.received'), type: 'cutting.output' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      for (const f of ['lineId', 'size', 'part', 'goodQty']) expect(r.error).toContain(`payload.${f}: `);
      expect(r.error).not.toContain('payload.workOrderId');
    }
  });

  it('not an object at all is rejected at the root', () => {
    for (const input of [null, undefined, 42, 'event', []]) {
      const r = parseEvent(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^\(root\): /);
    }
  });

  it.each([
    ['negative', -1],
    ['zero', 0],
    ['fractional', 1.5],
    ['above the maximum', 1_000_001],
    ['not finite', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['a numeric string', '5'],
  ])('a %s quantity is rejected naming the field', (_label, bad) => {
    expectRejectedAt(parseEvent(withPayloadField('cutting.output', 'goodQty', bad)), 'payload.goodQty');
    expectRejectedAt(parseEvent(withPayloadField('transfer.created', 'quantity', bad)), 'payload.quantity');
    expectRejectedAt(parseEvent(withPayloadField('md.pass', 'count', bad)), 'payload.count');
    expectRejectedAt(parseEvent(withPayloadField('packing.carton', 'qty', bad)), 'payload.qty');
  });

  it('counts allow zero but not negative or fractional values', () => {
    expect(parseEvent(withPayloadField('embroidery.output', 'defectQty', 0)).ok).toBe(true);
    expect(parseEvent(withPayloadField('transfer.discrepancy', 'countedQty', 0)).ok).toBe(true);
    expectRejectedAt(parseEvent(withPayloadField('embroidery.output', 'defectQty', -1)), 'payload.defectQty');
    expectRejectedAt(parseEvent(withPayloadField('embroidery.output', 'goodQty', 0.5)), 'payload.goodQty');
    expectRejectedAt(parseEvent(withPayloadField('transfer.discrepancy', 'countedQty', -2)), 'payload.countedQty');
    expectRejectedAt(parseEvent(withPayloadField('needle.broken', 'piecesInProcess', 2.5)), 'payload.piecesInProcess');
  });

  it.each([
    ['17 digits', '10614141123456789'],
    ['19 digits', '1061414112345678970'],
    ['the AI (00) prefix included', '00106141411234567897'],
    ['a letter', '10614141123456789X'],
    ['spaces', '1 0614141 123456789 7'],
  ])('an SSCC with %s is rejected naming the field', (_label, bad) => {
    expectRejectedAt(parseEvent(withPayloadField('packing.carton', 'sscc', bad)), 'payload.sscc');
    expectRejectedAt(parseEvent(withPayloadField('packing.shippingMark', 'sscc', bad)), 'payload.sscc');
  });

  // Was a domain bug (events.ts had its own `Sscc` checking only /^\d{18}$/): events now use gs1.ts's schema,
  // which checks the mod-10 check digit DOMAIN.md asks for.
  it('an SSCC with a wrong check digit is rejected naming the field', () => {
    const wrongCheck = `${SSCC.slice(0, 17)}3`;
    expectRejectedAt(parseEvent(withPayloadField('packing.carton', 'sscc', wrongCheck)), 'payload.sscc');
  });

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['upper case', TRANSFER_ID.toUpperCase()],
    ['braces', `{${TRANSFER_ID}}`],
    ['no dashes', TRANSFER_ID.replace(/-/g, '')],
    ['one digit short', TRANSFER_ID.slice(0, -1)],
  ])('a UUID that is %s is rejected naming the field', (_label, bad) => {
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), id: bad }), 'id');
    expectRejectedAt(parseEvent(withPayloadField('transfer.created', 'transferId', bad)), 'payload.transferId');
    expectRejectedAt(parseEvent(withPayloadField('line.released', 'haltId', bad)), 'payload.haltId');
    expectRejectedAt(parseEvent(withPayloadField('hold.released', 'holdId', bad)), 'payload.holdId');
  });

  it.each([
    ['a short counter', '1767225600000-3-ST-FIN-1'],
    ['a 12-digit wall time', '176722560000-00003-ST-FIN-1'],
    ['no node id', '1767225600000-00003-'],
    ['a space in the node id', '1767225600000-00003-ST FIN'],
    ['an ISO date', '2026-01-01T00:00:00Z'],
  ])('an HLC with %s is rejected naming hlc', (_label, bad) => {
    expectRejectedAt(parseEvent({ ...sampleEvent('md.pass'), hlc: bad }), 'hlc');
  });

  it.each([
    ['lower case', 'mo-2026-0001-cut'],
    ['a lower-case department', 'MO-2026-0001-cut'],
    ['an unknown department code', 'MO-2026-0001-XYZ'],
    ['no department (an MO id)', 'MO-2026-0001'],
    ['a short serial', 'MO-2026-001-CUT'],
  ])('a work order id in %s is rejected naming the field', (_label, bad) => {
    expectRejectedAt(parseEvent(withPayloadField('spk.received', 'workOrderId', bad)), 'payload.workOrderId');
    expectRejectedAt(parseEvent(withPayloadField('transfer.created', 'toWorkOrderId', bad)), 'payload.toWorkOrderId');
  });

  it('an empty or incomplete checklist is rejected naming the field', () => {
    expectRejectedAt(parseEvent(withPayloadField('line.cleared', 'checklist', [])), 'payload.checklist');
    expectRejectedAt(parseEvent(withPayloadField('segregation.acknowledged', 'checklist', [])), 'payload.checklist');
    const r = parseEvent(withPayloadField('line.cleared', 'checklist', []));
    if (!r.ok) expect(r.error).toContain('the checklist needs at least one item');
    expectRejectedAt(parseEvent(withPayloadField('line.cleared', 'checklist', [{ item: '', ok: true }])), 'payload.checklist.0.item');
    expectRejectedAt(parseEvent(withPayloadField('line.cleared', 'checklist', [{ item: 'line empty', ok: true }, { item: 'labels removed' }])), 'payload.checklist.1.ok');
  });

  it.each([
    ['too short', 'ab'],
    ['too short once trimmed', '   ab   '],
    ['only spaces', '      '],
    ['empty', ''],
    ['too long', 'x'.repeat(501)],
  ])('a reason %s is rejected naming the field', (_label, bad) => {
    expectRejectedAt(parseEvent(withPayloadField('cutting.shortage', 'reason', bad)), 'payload.reason');
    expectRejectedAt(parseEvent(withPayloadField('cutting.surplus', 'reason', bad)), 'payload.reason');
    expectRejectedAt(parseEvent(withPayloadField('transfer.discrepancy', 'reason', bad)), 'payload.reason');
    expectRejectedAt(parseEvent(withPayloadField('line.halted', 'reason', bad)), 'payload.reason');
    expectRejectedAt(parseEvent(withPayloadField('qc.inline', 'defectReason', bad)), 'payload.defectReason');
  });

  it('a reason is trimmed; the short-reason message tells the operator what to do', () => {
    const r = parseEvent(withPayloadField('cutting.shortage', 'reason', '  fabric roll short  '));
    expect(r.ok && r.value.type === 'cutting.shortage' ? r.value.payload.reason : r).toBe('fabric roll short');
    const short = parseEvent(withPayloadField('cutting.shortage', 'reason', 'ab'));
    expect(short.ok ? 'ok' : short.error).toBe('payload.reason: give a reason (at least 3 characters)');
  });

  it('a corrective action under 5 characters is rejected naming the field', () => {
    expectRejectedAt(parseEvent(withPayloadField('line.released', 'correctiveAction', 'fix')), 'payload.correctiveAction');
    expectRejectedAt(parseEvent(withPayloadField('line.released', 'correctiveAction', '  fix   ')), 'payload.correctiveAction');
  });

  it('enums and literals outside their values are rejected naming the field', () => {
    expectRejectedAt(parseEvent(withPayloadField('line.cleared', 'step', 300)), 'payload.step');
    expectRejectedAt(parseEvent(withPayloadField('line.cleared', 'step', '290')), 'payload.step');
    expectRejectedAt(parseEvent(withPayloadField('sewing.stage', 'stage', 'stuffing')), 'payload.stage');
    expectRejectedAt(parseEvent(withPayloadField('qc.inline', 'result', 'ok')), 'payload.result');
    expectRejectedAt(parseEvent(withPayloadField('transfer.created', 'to', 'fg_warehouse')), 'payload.to');
    expectRejectedAt(parseEvent(withPayloadField('spk.closed', 'department', 'subcon')), 'payload.department');
    expectRejectedAt(parseEvent(withPayloadField('line.released', 'disposition', 'ignored')), 'payload.disposition');
    expectRejectedAt(parseEvent(withPayloadField('operator.login', 'method', 'password')), 'payload.method');
    expectRejectedAt(parseEvent(withPayloadField('operator.logout', 'reason', 'idle')), 'payload.reason');
    expectRejectedAt(parseEvent(withPayloadField('labour.paused', 'reason', 'lunch')), 'payload.reason');
  });

  it('a labour clock paused by a logout, an idle logout, a session replaced by another operator\'s login and a hold release note parse; a note of one letter does not', () => {
    expect(parseEvent(withPayloadField('labour.paused', 'reason', 'logout')).ok).toBe(true);
    expect(parseEvent(withPayloadField('operator.logout', 'reason', 'timeout')).ok).toBe(true);
    expect(parseEvent(withPayloadField('operator.logout', 'reason', 'replaced')).ok).toBe(true);
    expectRejectedAt(parseEvent(withPayloadField('hold.released', 'note', 'x')), 'payload.note');
  });

  it('detector fields are range-checked, naming the field', () => {
    expectRejectedAt(parseEvent(withPayloadField('md.detection', 'messageNo', 10000)), 'payload.messageNo');
    expect(parseEvent(withPayloadField('md.detection', 'messageNo', 9999)).ok).toBe(true);
    expect(parseEvent(withPayloadField('md.detection', 'messageNo', 0)).ok).toBe(true);
    expectRejectedAt(parseEvent(withPayloadField('md.fault', 'bits', 0x10000)), 'payload.bits');
    expectRejectedAt(parseEvent(withPayloadField('md.verificationOverdue', 'dueAtMs', -1)), 'payload.dueAtMs');
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'pieces', [])), 'payload.pieces');
    const unknownMetal = [{ metal: 'unknown', sizeMm: 1, pieceId: 'TP1', detected: true }];
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'pieces', unknownMetal)), 'payload.pieces.0.metal');
    const tooBig = [{ metal: 'fe', sizeMm: 25, pieceId: 'TP1', detected: true }];
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'pieces', tooBig)), 'payload.pieces.0.sizeMm');
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'requiredMetals', [])), 'payload.requiredMetals');
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'requiredMetals', ['fe', 'unknown'])), 'payload.requiredMetals.1');
  });

  it('nested arrays and the slip copy name the nested path', () => {
    expectRejectedAt(parseEvent(withPayloadField('hold.released', 'results', [])), 'payload.results');
    const badResult = [{ workOrderId: FIN, passedQty: -1, rejectedQty: 5 }];
    expectRejectedAt(parseEvent(withPayloadField('hold.released', 'results', badResult)), 'payload.results.0.passedQty');
    expectRejectedAt(parseEvent(withPayloadField('material.allocated', 'materials', [])), 'payload.materials');
    const badMaterial = [{ materialCode: 'FAB-1', qty: 0, unit: 'm' }];
    expectRejectedAt(parseEvent(withPayloadField('material.allocated', 'materials', badMaterial)), 'payload.materials.0.qty');
    expectRejectedAt(parseEvent(withPayloadField('transfer.accepted', 'slip', { ...SLIP, quantity: 0 })), 'payload.slip.quantity');
    expectRejectedAt(parseEvent(withPayloadField('transfer.accepted', 'slip', { ...SLIP, payload: '' })), 'payload.slip.payload');
  });

  it('envelope values out of range are rejected naming the field', () => {
    for (const seq of [0, -1, 1.5]) expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), seq }), 'seq');
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), v: EVENT_SCHEMA_VERSION + 1 }), 'v');
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), stationId: 'st-fin-1' }), 'stationId');
    expectRejectedAt(parseEvent({ ...sampleEvent('spk.received'), operatorId: 'OP-1' }), 'operatorId');
    expectRejectedAt(parseEvent(withPayloadField('line.released', 'supervisorId', 'FINSV')), 'payload.supervisorId');
  });

  it('operatorId may be null (device events); the schema leaves who may act to the reducer', () => {
    const r = parseEvent({ ...sampleEvent('md.detection'), operatorId: null });
    expect(r.ok ? r.value.operatorId : r.error).toBeNull();
  });

  it('optional fields may be left out', () => {
    expect(parseEvent(withPayloadField('md.detection', 'workOrderId', DELETE)).ok).toBe(true);
    expect(parseEvent(withPayloadField('transfer.accepted', 'slip', DELETE)).ok).toBe(true);
    expect(parseEvent(withPayloadField('sewing.stage', 'destinationLabel', DELETE)).ok).toBe(true);
  });
});

describe('parseAction', () => {
  it.each([...EVENT_TYPES])('%s: the sample action parses', (type) => {
    const r = parseAction(sampleAction(type));
    expect(r.ok ? r.value : r.error).toEqual(sampleAction(type));
  });

  it('an action carries no envelope: envelope fields are dropped', () => {
    const r = parseAction(sampleEvent('spk.received'));
    expect(r.ok ? r.value : r.error).toEqual({ type: 'spk.received', payload: SAMPLES['spk.received'] });
  });

  it('rejects bad actions naming the field', () => {
    expectRejectedAt(parseAction({ type: 'cutting.deleted', payload: {} }), 'type');
    expectRejectedAt(parseAction({ payload: SAMPLES['spk.received'] }), 'type');
    expectRejectedAt(parseAction({ type: 'spk.received' }), 'payload');
    expectRejectedAt(parseAction({ type: 'cutting.output', payload: { ...SAMPLES['cutting.output'], goodQty: 1.5 } }), 'payload.goodQty');
    expectRejectedAt(parseAction({ type: 'line.cleared', payload: { ...SAMPLES['line.cleared'], checklist: [] } }), 'payload.checklist');
    expectRejectedAt(parseAction({ type: 'packing.carton', payload: { ...SAMPLES['packing.carton'], sscc: SSCC.slice(1) } }), 'payload.sscc');
    expectRejectedAt(parseAction({ type: 'spk.received', payload: { workOrderId: 'mo-2026-0001-cut' } }), 'payload.workOrderId');
    const r = parseAction(null);
    expect(r.ok ? 'ok' : r.error).toMatch(/^\(root\): /);
  });
});

describe('describeIssues', () => {
  const S = z.object({
    a: z.object({ b: z.string().min(3, 'too short') }),
    items: z.array(z.object({ code: z.string().regex(/^X/, 'starts with X') })),
  });

  it('formats each issue as "dotted.path: message", joined by "; "', () => {
    const r = S.safeParse({ a: { b: 'x' }, items: [{ code: 'X1' }, { code: 'Y2' }] });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toBe('a.b: too short; items.1.code: starts with X');
  });

  it('names the root "(root)"', () => {
    const r = z.string().min(3, 'too short').safeParse('x');
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toBe('(root): too short');
  });

  it('is what parseEvent returns', () => {
    const bad = withPayloadField('cutting.output', 'goodQty', 0);
    const r = parseEvent(bad);
    expect(r.ok ? 'ok' : r.error).toBe('payload.goodQty: quantity must be > 0');
  });
});

describe('makeEvent', () => {
  it.each([...EVENT_TYPES])('%s: envelope + action round-trips through parseEvent and JSON', (type) => {
    const event = makeEvent(ENV, sampleAction(type));
    expect(event).toEqual(sampleEvent(type));
    const r = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(r.ok ? r.value : r.error).toEqual(event);
    const a = parseAction(event);
    expect(a.ok ? a.value : a.error).toEqual(sampleAction(type));
  });

  it('events stamped by the test EventFactory (as a station stamps them) parse', () => {
    const f = new EventFactory();
    for (const type of EVENT_TYPES) {
      const e = f.at('finishing', sampleAction(type));
      const r = parseEvent(e);
      expect(r.ok ? 'ok' : `${type}: ${r.error}`).toBe('ok');
    }
  });

  it('lineOf and eventWallMs read the event', () => {
    const e = makeEvent(ENV, sampleAction('md.pass'));
    expect(lineOf(e)).toBe('LN-FIN-1');
    expect(lineOf(sampleAction('spk.received'))).toBeUndefined();
    expect(eventWallMs(e)).toBe(1767225600000);
  });
});

describe('bounded lists (a station cannot push an unbounded array)', () => {
  it('refuses a verification run of more than 50 test pieces and a hold release of more than 200 work orders', () => {
    const piece = (SAMPLES['md.verification'].pieces as unknown[])[0];
    expect(parseEvent(withPayloadField('md.verification', 'pieces', Array.from({ length: 50 }, () => piece))).ok).toBe(true);
    expectRejectedAt(parseEvent(withPayloadField('md.verification', 'pieces', Array.from({ length: 51 }, () => piece))), 'payload.pieces');
    const result = (SAMPLES['hold.released'].results as unknown[])[0];
    expect(parseEvent(withPayloadField('hold.released', 'results', Array.from({ length: 200 }, () => result))).ok).toBe(true);
    expectRejectedAt(parseEvent(withPayloadField('hold.released', 'results', Array.from({ length: 201 }, () => result))), 'payload.results');
  });
});
