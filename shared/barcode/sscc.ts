/**
 * Carton numbers (SSCC) allocated offline from leased blocks of serial references.
 *
 * An SSCC is extension digit + GS1 company prefix + serial reference + check digit (18 digits). The factory's company
 * prefix comes from configuration (7–10 digits here); the sync server hands each packing station a lease: a block of
 * serial references under one prefix and extension digit that no other station gets. A station numbers its cartons
 * from its leases in order, so two stations never print the same SSCC, online or not.
 *
 * The check digit is gs1.ts's (`makeSscc`, `gs1CheckDigit`): one implementation for labels read and printed.
 */
import { z } from 'zod';
import { BarcodeFieldError } from './errors';
import { makeSscc, validateSscc } from './gs1';

/** The factory's GS1 company prefix as this floor configures it: 7–10 digits. */
export const CompanyPrefix = z.string().regex(/^\d{7,10}$/, 'GS1 company prefix must be 7-10 digits');
export type CompanyPrefix = z.infer<typeof CompanyPrefix>;

/** The SSCC's first digit, chosen by the packer to widen its serial range. */
export const SsccExtension = z.number().int().min(0).max(9);

/** Digits left for the serial reference under a prefix: 17 - 1 (extension) - prefix length. */
export function serialWidth(companyPrefix: string): number {
  return 16 - companyPrefix.length;
}

/** The largest serial reference a prefix leaves room for (e.g. 999999 under a 10-digit prefix). */
export function maxSerial(companyPrefix: string): number {
  return 10 ** serialWidth(companyPrefix) - 1;
}

const Serial = z.number().int().min(0).max(999_999_999);

/**
 * A block of serial references leased to one station: `first`..`last` inclusive, under one company prefix and
 * extension digit. `leaseId` is the server's; `leasedAt` ISO time.
 */
export const SsccLease = z
  .object({
    leaseId: z.string().min(1).max(64),
    companyPrefix: CompanyPrefix,
    extension: SsccExtension,
    first: Serial,
    last: Serial,
    leasedAt: z.string().min(1).max(40),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.last < l.first) ctx.addIssue({ code: 'custom', path: ['last'], message: 'last serial is before the first' });
    if (/^\d{7,10}$/.test(l.companyPrefix) && l.last > maxSerial(l.companyPrefix)) {
      ctx.addIssue({ code: 'custom', path: ['last'], message: `serial reference longer than ${serialWidth(l.companyPrefix)} digits for this prefix` });
    }
  });
export type SsccLease = z.infer<typeof SsccLease>;

/** How many serial references a lease holds. */
export function leaseSize(lease: Pick<SsccLease, 'first' | 'last'>): number {
  return lease.last - lease.first + 1;
}

/** The SSCC of serial reference `serial` under the lease's prefix and extension (with its check digit). */
export function composeSscc(lease: Pick<SsccLease, 'companyPrefix' | 'extension'>, serial: number): string {
  CompanyPrefix.parse(lease.companyPrefix);
  return makeSscc(lease.extension, lease.companyPrefix, serial);
}

/** The extension and serial reference of an SSCC under a company prefix, or null when the SSCC is not that prefix's. */
export function ssccParts(sscc: string, companyPrefix: string): { extension: number; serial: number } | null {
  validateSscc(sscc);
  if (sscc.slice(1, 1 + companyPrefix.length) !== companyPrefix) return null;
  return { extension: Number(sscc[0]), serial: Number(sscc.slice(1 + companyPrefix.length, 17)) };
}

/** Two leases share a serial reference under the same prefix and extension (the server must never hand those out). */
export function leasesOverlap(a: SsccLease, b: SsccLease): boolean {
  return a.companyPrefix === b.companyPrefix && a.extension === b.extension && a.first <= b.last && b.first <= a.last;
}

/** Serial references not yet used of `leases` (taken in order) after `used` allocations. */
export function remainingSerials(leases: readonly SsccLease[], used: number): number {
  const total = leases.reduce((n, l) => n + leaseSize(l), 0);
  return Math.max(0, total - used);
}

export interface SsccAllocation {
  sscc: string;
  leaseId: string;
  serial: number;
}

/**
 * The `used`-th SSCC (0-based) of `leases` taken in order: the first lease's serials, then the next lease's. Null when
 * the leases hold no more. Pure: the caller makes `used + 1` durable before it shows the number.
 */
export function nextSscc(leases: readonly SsccLease[], used: number): SsccAllocation | null {
  if (!Number.isSafeInteger(used) || used < 0) throw new BarcodeFieldError('sscc', 'used', 'must be a whole number ≥ 0');
  let left = used;
  for (const lease of leases) {
    const size = leaseSize(lease);
    if (left < size) {
      const serial = lease.first + left;
      return { sscc: composeSscc(lease, serial), leaseId: lease.leaseId, serial };
    }
    left -= size;
  }
  return null;
}

// ---- the lease route (POST /api/sscc-leases, station token) ---------------------------------------------------------

export const SSCC_LEASE_PATH = '/api/sscc-leases';

/**
 * A packing station asks for the next block. `requestId` is kept by the station until the answer is stored: asking
 * again with it (the answer was lost) gets the same lease back, so a retry never takes a second block.
 */
export const SsccLeaseRequest = z.object({ requestId: z.uuid() }).strict();
export type SsccLeaseRequest = z.infer<typeof SsccLeaseRequest>;
