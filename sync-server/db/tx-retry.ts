/**
 * The one retry rule for a transaction PostgreSQL aborted because of another transaction, not because of anything it
 * did itself: a deadlock (40P01: two transactions locked rows in opposite order and PostgreSQL rolled one back) or a
 * serialization failure (40001). Such a transaction changed nothing, and running it again whole is right. Used by the
 * push path (floor/group-retry.ts, which adds what a failed group of requests does then) and by every dashboard
 * writer (`withTxRetry`).
 */
const DEADLOCK = '40P01';
const SERIALIZATION = '40001';

/** Attempts in all (the first one included) before the failure is the answer. */
export const MAX_TX_ATTEMPTS = 6;

/** A deadlock or serialization failure: the transaction was rolled back and may run again as it was. */
export function isRetryableTxError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === DEADLOCK || code === SERIALIZATION;
}

/**
 * Runs `transaction` (one whole transaction: `db.tx(...)` or `writeTx(db, ...)`, nothing outside it that must not
 * happen twice) again while it fails with a deadlock or serialization failure, up to MAX_TX_ATTEMPTS in all; any other
 * failure, or the last one, is thrown.
 */
export async function withTxRetry<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (attempt >= MAX_TX_ATTEMPTS || !isRetryableTxError(err)) throw err;
    }
  }
}
