/**
 * The reports' routes (a part of the dashboard plugin, routes.ts): charts, the batch compliance report of an MO (JSON
 * for the screen, CSV to download) and the roster for printing badges. Each is a `dashboardRoute` (access.ts), so the
 * authorization test walks them with the rest.
 * The factory's time zone is QSF_FACTORY_TIME_ZONE (an IANA name; default Asia/Jakarta); a name the runtime does not
 * know stops the server at start, rather than print every date an hour or seven off.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../../shared/reports/csv-export';
import { DEFAULT_FACTORY_TIME_ZONE, TimeZone } from '../../shared/reports/factory-time';

import { headVersion } from '../changes';
import { dashboardRoute } from './access';
import { DASHBOARD_ROLES, type DashboardRole } from './contract';
import { complianceCsvRows, loadCharts, loadCompliance, loadRosterBadges } from './reports';
import { ChartsQuery, ChartsView, ComplianceView, MoParam, RosterBadges, type ChartRange } from './reports-contract';
import { ViewCache } from './view-cache';

/** Who prints labels and badges: PPIC's work (and an admin's). */
const PRINTERS: readonly DashboardRole[] = ['ppic', 'admin'];

export function factoryTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.QSF_FACTORY_TIME_ZONE;
  if (tz === undefined || tz === '') return DEFAULT_FACTORY_TIME_ZONE;
  const parsed = TimeZone.safeParse(tz);
  if (!parsed.success) throw new Error(`QSF_FACTORY_TIME_ZONE=${tz}: not a time zone this runtime knows (e.g. Asia/Jakarta)`);
  return parsed.data;
}

/**
 * Charts are re-read by every open Reports view after every change on the floor: one computation per range serves
 * them all (view-cache.ts), at most one every 3 s (a week's charts over 83,000 output and QC events take ~0.4–0.5 s on
 * PostgreSQL here: reports.ts, npm run bench:reports), and again when an hour starts (a new bucket) even if nothing moved.
 */
const CHARTS_MIN_INTERVAL_MS = 3_000;

export function registerReportRoutes(app: FastifyInstance, tz: string = factoryTimeZone()): void {
  const chartsCache: Record<ChartRange, ViewCache<ChartsView>> = { today: new ViewCache(60_000, CHARTS_MIN_INTERVAL_MS), week: new ViewCache(60_000, CHARTS_MIN_INTERVAL_MS) };
  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/reports/charts',
    querystring: ChartsQuery,
    response: ChartsView,
    handler: async ({ query }) => {
      const key = `${await headVersion(app.db)}:${Math.floor(Date.now() / 3_600_000)}`;
      return chartsCache[query.range].get(key, () => loadCharts(app.db, query.range, Date.now(), tz));
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/reports/compliance/:moId',
    params: MoParam,
    response: ComplianceView,
    handler: ({ params }) => loadCompliance(app.db, params.moId, Date.now(), tz),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/reports/compliance/:moId/csv',
    params: MoParam,
    response: z.string(),
    async handler({ params, reply }) {
      const view = await loadCompliance(app.db, params.moId, Date.now(), tz);
      const { header, rows } = complianceCsvRows(view);
      void reply.headers({
        'content-type': 'text/csv; charset=utf-8',
        // The MO id is [A-Z0-9-] only (MoId): nothing in it needs quoting in the file name.
        'content-disposition': `attachment; filename="compliance-${params.moId}.csv"`,
        'cache-control': 'no-store',
      });
      return toCsv(header, rows);
    },
  });

  dashboardRoute(app, PRINTERS, {
    method: 'GET',
    url: '/api/dashboard/roster/badges',
    response: RosterBadges,
    handler: () => loadRosterBadges(app.db),
  });
}

