/**
 * The reports' client state (zustand, beside the dashboard's store): the charts of the range picked, the compliance
 * report of the MO picked and the roster for badges. Each is only ever replaced by a fresh read from the server;
 * the screen asks again when the Floor is re-read (every live change), so the charts follow the floor.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ChartRange, ChartsView, ComplianceView, RosterBadges } from '../../sync-server/dashboard/reports-contract';
import { api, ApiError } from './api';

export interface ReportsState {
  range: ChartRange;
  charts: ChartsView | null;
  /** The MO whose report is open (null: none picked), its report once read. */
  moId: string | null;
  compliance: ComplianceView | null;
  roster: RosterBadges | null;
  /** The last read that failed: its error code (`not_found`, `forbidden_role`, `unreachable` …). */
  failed: string | null;
}

export const reportsStore = createStore<ReportsState>(() => ({ range: 'today', charts: null, moId: null, compliance: null, roster: null, failed: null }));

export function useReports<T>(select: (s: ReportsState) => T): T {
  return useStore(reportsStore, select);
}

async function read<T>(run: () => Promise<T>, put: (value: T) => void): Promise<void> {
  try {
    put(await run());
    reportsStore.setState({ failed: null });
  } catch (err) {
    reportsStore.setState({ failed: err instanceof ApiError ? err.code : 'error' });
  }
}

export const reports = {
  setRange(range: ChartRange) {
    reportsStore.setState({ range, charts: null });
    return reports.readCharts();
  },
  readCharts() {
    const { range } = reportsStore.getState();
    // A late answer for a range no longer picked is dropped.
    return read(() => api.charts(range), (charts) => reportsStore.getState().range === charts.range && reportsStore.setState({ charts }));
  },
  openCompliance(moId: string) {
    reportsStore.setState({ moId, compliance: null });
    return reports.readCompliance();
  },
  readCompliance() {
    const { moId } = reportsStore.getState();
    if (!moId) return Promise.resolve();
    return read(() => api.compliance(moId), (compliance) => reportsStore.getState().moId === compliance.mo.id && reportsStore.setState({ compliance }));
  },
  readRoster() {
    return read(() => api.rosterBadges(), (roster) => reportsStore.setState({ roster }));
  },
};
