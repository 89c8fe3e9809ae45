import { describe, expect, it } from 'vitest';
import { isRetryableTxError, MAX_TX_ATTEMPTS, withTxRetry } from './tx-retry';

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('withTxRetry: a transaction another one made fail runs again', () => {
  it('a deadlock or serialization failure runs it again until it commits', async () => {
    const thrown = [failure('40P01'), failure('40001')];
    let runs = 0;
    await expect(
      withTxRetry(async () => {
        runs++;
        const next = thrown.shift();
        if (next) throw next;
        return 'done';
      }),
    ).resolves.toBe('done');
    expect(runs).toBe(3);
  });

  it('any other failure is thrown at once; a deadlock every time is thrown after MAX_TX_ATTEMPTS', async () => {
    let runs = 0;
    await expect(withTxRetry(() => (runs++, Promise.reject(failure('23505'))))).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
    runs = 0;
    await expect(withTxRetry(() => (runs++, Promise.reject(failure('40P01'))))).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(MAX_TX_ATTEMPTS);
    expect([isRetryableTxError(null), isRetryableTxError(new Error('x')), isRetryableTxError(failure('40001'))]).toEqual([false, false, true]);
  });
});
