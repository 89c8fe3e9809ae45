import { describe, expect, it } from 'vitest';
import { EventConflict } from '../changes';
import { MAX_TX_ATTEMPTS } from '../db/tx-retry';
import { afterFailure, writeConflict } from './group-retry';
import { PushError } from './push-error';

const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
const serialization = Object.assign(new Error('could not serialize access'), { code: '40001' });

describe('afterFailure: what a failed push group does next', () => {
  it('a deadlock or serialization failure runs the whole group again, up to MAX_TX_ATTEMPTS', () => {
    expect(afterFailure(deadlock, 1, 3)).toBe('retry');
    expect(afterFailure(serialization, MAX_TX_ATTEMPTS - 1, 1)).toBe('retry');
  });

  it('once the attempts are used up, a group of several is applied one by one, a group of one fails', () => {
    expect(afterFailure(deadlock, MAX_TX_ATTEMPTS, 3)).toBe('one-by-one');
    expect(afterFailure(deadlock, MAX_TX_ATTEMPTS, 1)).toBe('fail');
  });

  it('any other failure (a rule that throws, a write-time conflict) is not retried as a group', () => {
    expect(afterFailure(new Error('bug in a rule'), 1, 2)).toBe('one-by-one');
    expect(afterFailure(new PushError(409, 'seq_conflict', 'x'), 1, 1)).toBe('fail');
    expect(afterFailure(null, 1, 1)).toBe('fail');
  });
});

describe('writeConflict: a stored event holds one of the ids', () => {
  const conflict = new EventConflict(null, 'Key (id)=(x) already exists.');

  it('alone, the request is refused with 409 seq_conflict', () => {
    expect(writeConflict(conflict, 1)).toMatchObject({ status: 409, code: 'seq_conflict', message: conflict.message });
  });

  it('in a group of several, it is the group failure that makes the requests go one by one', () => {
    const err = writeConflict(conflict, 2);
    expect(err).toBe(conflict);
    expect(afterFailure(err, 1, 2)).toBe('one-by-one');
  });
});
