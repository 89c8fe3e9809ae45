/**
 * A packing station's carton numbers: the SSCC leases the server gave it and how many of them it used, kept in
 * `<dataDir>/sscc-leases.json` (owner-only, written whole: temp file, fsync, rename). Every number taken is on disk
 * before it is answered, so a crash or power cut never hands the same SSCC out twice; a number taken and never
 * printed is a gap, which GS1 allows. Works offline from what it holds; the refill (sscc-lease-refill.ts) asks the
 * server for more while online.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { SsccLease, leaseSize, leasesOverlap, nextSscc, remainingSerials, type SsccAllocation } from '../../shared/barcode/sscc';
import { writeFileAtomic } from './enroll';

export const SSCC_LEASE_FILE = 'sscc-leases.json';

const BookFile = z
  .object({
    v: z.literal(1),
    /** Held leases in the order they are used; a used-up lease is dropped (and `used` lowered by its size). */
    leases: z.array(SsccLease).max(1000),
    /** SSCCs taken from `leases`, in order. */
    used: z.number().int().min(0),
    /** The request for the next lease, kept until its answer is stored (a retry then gets the same lease). */
    requestId: z.uuid().nullable(),
    /**
     * The last serial of any lease ever held, per `prefix/extension`: the server's counter only grows, so a lease at or
     * below it is an old one again (its numbers may be printed already) and is refused.
     */
    highWater: z.record(z.string().max(20), z.number().int().min(0)),
  })
  .strict()
  .refine((b) => b.used <= b.leases.reduce((n, l) => n + leaseSize(l), 0), { message: 'used more numbers than the leases hold', path: ['used'] });
type BookFile = z.infer<typeof BookFile>;

/** The book's file cannot be trusted: the station refuses to number cartons rather than risk a repeated SSCC. */
export class SsccLeaseBookError extends Error {}

export class SsccLeaseBook {
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly file: string,
    private state: BookFile,
  ) {}

  /** Opens the book in `dataDir` (empty if there is none yet). A damaged file is an error, never a fresh start. */
  static open(dataDir: string): SsccLeaseBook {
    const file = join(dataDir, SSCC_LEASE_FILE);
    if (!existsSync(file)) return new SsccLeaseBook(file, { v: 1, leases: [], used: 0, requestId: null, highWater: {} });
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new SsccLeaseBookError(`${file} is not JSON (${err instanceof Error ? err.message : String(err)}): carton numbering stopped`);
    }
    const parsed = BookFile.safeParse(raw);
    if (!parsed.success) throw new SsccLeaseBookError(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}: carton numbering stopped`);
    return new SsccLeaseBook(file, parsed.data);
  }

  /** Numbers left in the held leases. */
  get remaining(): number {
    return remainingSerials(this.state.leases, this.state.used);
  }

  get leases(): readonly SsccLease[] {
    return this.state.leases;
  }

  /** Told after a number is taken or a lease added (the refill checks whether to ask for more). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next SSCC, durable before it returns; null when no lease is left. */
  take(): SsccAllocation | null {
    const next = nextSscc(this.state.leases, this.state.used);
    if (!next) return null;
    this.save({ ...this.state, used: this.state.used + 1 });
    return next;
  }

  /** The id to ask the server with for the next lease: the same until that lease is stored. */
  requestId(): string {
    if (this.state.requestId) return this.state.requestId;
    const requestId = randomUUID();
    this.save({ ...this.state, requestId });
    return requestId;
  }

  /**
   * Stores a lease the server gave. The same lease again (a retried request) changes nothing; a lease that overlaps
   * one held is refused: numbering from it could repeat an SSCC.
   */
  add(lease: SsccLease): void {
    const parsed = SsccLease.parse(lease);
    if (this.state.leases.some((l) => l.leaseId === parsed.leaseId && l.first === parsed.first && l.last === parsed.last)) {
      if (this.state.requestId) this.save({ ...this.state, requestId: null });
      return;
    }
    const clash = this.state.leases.find((l) => leasesOverlap(l, parsed));
    if (clash) throw new SsccLeaseBookError(`lease ${parsed.leaseId} (${parsed.first}-${parsed.last}) overlaps lease ${clash.leaseId} already held`);
    const key = `${parsed.companyPrefix}/${parsed.extension}`;
    const high = this.state.highWater[key];
    if (high !== undefined && parsed.first <= high) {
      throw new SsccLeaseBookError(`lease ${parsed.leaseId} starts at ${parsed.first}, not after ${high} this station already held: the server's counter went back?`);
    }
    this.save({ ...this.state, leases: [...this.state.leases, parsed], requestId: null, highWater: { ...this.state.highWater, [key]: parsed.last } });
  }

  /** Writes the new state whole (used-up leases dropped), then takes it. */
  private save(next: BookFile): void {
    let { leases, used } = next;
    while (leases.length > 1 && leases[0] && used >= leaseSize(leases[0])) {
      used -= leaseSize(leases[0]);
      leases = leases.slice(1);
    }
    const state: BookFile = { ...next, leases, used };
    writeFileAtomic(this.file, JSON.stringify(state));
    this.state = state;
    for (const l of this.listeners) l();
  }
}

/**
 * The book a station core opens: a packing station's (null at other departments). A file that cannot be trusted is
 * returned as its error, and reported: the station runs on, only carton numbering stops.
 */
export function openCartonBook(dataDir: string, department: string, log: (msg: string, extra: Record<string, unknown>) => void): SsccLeaseBook | Error | null {
  if (department !== 'packing') return null;
  try {
    return SsccLeaseBook.open(dataDir);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    log('carton numbers not trusted: numbering stopped', { reason: error.message });
    return error;
  }
}
