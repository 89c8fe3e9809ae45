/**
 * The reports' part of the dashboard's HTTP contract (beside contract.ts, in the same plain zod so the screen's Vite
 * build bundles it): charts of output and QC per department, the batch compliance report of an MO, and the roster as
 * badges print it. Times come as ISO instants and as the factory's wall time (`local`, in `timeZone`).
 */
import { z } from 'zod';
import { MoId } from '../../shared/master';

export const ChartRange = z.enum(['today', 'week']);
export type ChartRange = z.infer<typeof ChartRange>;
export const ChartsQuery = z.object({ range: ChartRange.default('today') }).strict();

export const QcSummaryRow = z.object({
  department: z.string(),
  recorded: z.number(),
  passed: z.number(),
  rework: z.number(),
  scrap: z.number(),
  passRate: z.number().nullable(),
  inspected: z.number(),
  passedFirstTime: z.number(),
  firstPassYield: z.number().nullable(),
});
export type QcSummaryRow = z.infer<typeof QcSummaryRow>;

export const ChartsView = z.object({
  range: ChartRange,
  timeZone: z.string(),
  from: z.string(),
  to: z.string(),
  /** Hour buckets: ISO start and the factory's wall time (`2026-12-05 08:00`). */
  buckets: z.array(z.object({ start: z.string(), local: z.string() })),
  output: z.array(z.object({ department: z.string(), perBucket: z.array(z.number()), total: z.number() })),
  qc: z.array(QcSummaryRow),
});
export type ChartsView = z.infer<typeof ChartsView>;

export const MoParam = z.object({ moId: MoId });

export const ComplianceRecordRow = z.object({
  eventId: z.string(),
  at: z.string(),
  local: z.string(),
  kind: z.string(),
  workOrderId: z.string().nullable(),
  lineId: z.string().nullable(),
  stationId: z.string().nullable(),
  operatorId: z.string().nullable(),
  result: z.string(),
  qty: z.number().nullable(),
  detail: z.string(),
});
export type ComplianceRecordRow = z.infer<typeof ComplianceRecordRow>;

export const ComplianceHaltRow = z.object({
  haltId: z.string(),
  lineId: z.string(),
  local: z.string(),
  cause: z.string(),
  detections: z.number(),
  disposition: z.string().nullable(),
  correctiveAction: z.string().nullable(),
  releasedBy: z.string().nullable(),
  releasedLocal: z.string().nullable(),
});

export const ComplianceView = z.object({
  mo: z.object({ id: z.string(), articleCode: z.string(), quantity: z.number(), route: z.string(), destination: z.string(), shipWeek: z.string() }),
  timeZone: z.string(),
  generatedLocal: z.string(),
  spks: z.array(
    z.object({
      workOrderId: z.string(),
      qcPass: z.number(),
      qcRework: z.number(),
      qcScrap: z.number(),
      detectorPasses: z.number(),
      detectorRejects: z.number(),
      heldQty: z.number(),
      stillHeldQty: z.number(),
    }),
  ),
  verifications: z.object({ pass: z.number(), fail: z.number(), overdue: z.number() }),
  halts: z.array(ComplianceHaltRow),
  records: z.array(ComplianceRecordRow),
});
export type ComplianceView = z.infer<typeof ComplianceView>;

/** A roster member as a badge shows them: never the PIN nor its hash. */
export const BadgeRow = z.object({ id: z.string(), name: z.string(), departments: z.array(z.string()), active: z.boolean() }).strict();
export const RosterBadges = z.object({ operators: z.array(BadgeRow) });
export type RosterBadges = z.infer<typeof RosterBadges>;
