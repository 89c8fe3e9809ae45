import { describe, expect, it } from 'vitest';
import { EventFactory, lineOf, operatorOf, stationOf } from '../../shared/testing/fixtures';
import { uuidv7 } from '../../shared/ids';
import { hasUnstorableText, isUnparsed, parseBatch, type UnparsedEvent, derivedEventId } from './parse-batch';

const f = new EventFactory();
const ST = stationOf('cutting');
const output = () => f.at('cutting', { type: 'cutting.output', payload: { workOrderId: 'MO-2026-0001-CUT', lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 5 } });
const refusedAs = (e: unknown) => {
  if (!isUnparsed(e as UnparsedEvent)) throw new Error('expected an unparsed event');
  return e as UnparsedEvent;
};
const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};

describe('parseBatch: raw JSON to typed events', () => {
  it('returns the events, typed, sorted by seq', () => {
    const [a, b] = [output(), output()];
    expect(parseBatch(ST, [b, a])).toEqual([a, b]);
  });

  it("an event in another station's name refuses the whole request (403)", () => {
    const e = { ...output(), stationId: 'ST-SEW-1' };
    expect(thrown(() => parseBatch(ST, [e]))).toMatchObject({ status: 403, code: 'wrong_station' });
  });

  it('an event without a usable envelope refuses the whole request (400), naming the event and field', () => {
    const e = { ...output(), seq: 1.5 };
    expect(thrown(() => parseBatch(ST, [output(), e]))).toMatchObject({ status: 400, code: 'bad_event', message: expect.stringMatching(/^events\.1: .*seq/) });
  });

  it('an envelope faulty only in its id is kept to be refused, under an id derived from station and seq (the same every time)', () => {
    const e = output();
    const [u] = parseBatch(ST, [{ ...e, id: 'nope' }]);
    expect(u).toMatchObject({ id: derivedEventId(ST, e.seq), seq: e.seq, parseError: expect.stringMatching(/^id: /) });
    expect(parseBatch(ST, [{ ...e, id: undefined }])[0]?.id).toBe(derivedEventId(ST, e.seq));
    expect(derivedEventId(ST, e.seq)).not.toBe(derivedEventId(ST, e.seq + 1));
    expect(derivedEventId(ST, e.seq)).not.toBe(derivedEventId('ST-SEW-1', e.seq));
    expect(derivedEventId(ST, e.seq)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Faulty in the id and anything else of the envelope: still unusable.
    expect(thrown(() => parseBatch(ST, [{ ...e, id: 'nope', seq: 1.5 }]))).toMatchObject({ status: 400, code: 'bad_event' });
    expect(thrown(() => parseBatch(ST, [{ ...e, id: 'nope', stationId: 'ST-SEW-1' }]))).toMatchObject({ status: 403, code: 'wrong_station' });
  });

  it('two events with one seq refuse the whole request (400)', () => {
    const e = output();
    expect(thrown(() => parseBatch(ST, [e, { ...e, id: uuidv7() }]))).toMatchObject({ status: 400, code: 'bad_event' });
  });

  it('a type this server does not know is kept, to be refused, and says so plainly', () => {
    const e = { id: uuidv7(), stationId: ST, seq: 1, hlc: 'bad', operatorId: operatorOf('cutting'), type: 'robot.arm', v: 3, payload: { x: 1 } };
    const [u] = parseBatch(ST, [e]);
    expect(refusedAs(u)).toEqual({
      id: e.id,
      stationId: ST,
      seq: 1,
      hlc: '',
      operatorId: operatorOf('cutting'),
      type: 'robot.arm',
      v: 3,
      payload: { x: 1 },
      parseError: "type: 'robot.arm' is an event type this server does not know (a newer station version?)",
    });
  });

  it('a well-formed event whose payload the database cannot store is kept with an empty payload', () => {
    const e = output();
    const bad = { ...e, payload: { ...e.payload, size: 'M\u0000' } };
    const u = refusedAs(parseBatch(ST, [bad])[0]);
    expect(u.payload).toEqual({});
    expect(u.type).toBe('cutting.output');
    expect(u.parseError).toMatch(/cannot store/);
  });

  it('the refusal message holds no text the database cannot store, even cut through a surrogate pair', () => {
    const e = { id: uuidv7(), stationId: ST, seq: 1, type: `x${'😀'.repeat(600)}`, payload: {} };
    const u = refusedAs(parseBatch(ST, [e])[0]);
    expect(hasUnstorableText(u.parseError)).toBe(false);
    expect(u.parseError.length).toBeLessThanOrEqual(1000);
  });
});

describe('hasUnstorableText', () => {
  it('finds NUL and lone surrogates anywhere, keys included; a surrogate pair is fine', () => {
    expect(hasUnstorableText({ a: ['ok', { b: 'x\u0000' }] })).toBe(true);
    expect(hasUnstorableText({ ['k\ud800']: 1 })).toBe(true);
    expect(hasUnstorableText(['\udc00'])).toBe(true);
    expect(hasUnstorableText({ a: '😀', n: 1, z: null })).toBe(false);
  });
});
