import { useEffect, useState, type FormEvent } from 'react';
import type { ChartRange } from '../../../sync-server/dashboard/reports-contract';
import { ChartRange as Ranges } from '../../../sync-server/dashboard/reports-contract';
import { useDash, useT } from '../context';
import { reports, useReports } from '../reports-store';
import { ReportsCharts } from './ReportsCharts';
import { ComplianceReport } from './ReportsCompliance';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

function Charts() {
  const { t } = useT();
  const range = useReports((s) => s.range);
  const charts = useReports((s) => s.charts);
  // Every live change re-reads the Floor: the charts follow it.
  const floorAt = useDash((s) => s.floor?.at ?? null);
  useEffect(() => {
    void reports.readCharts();
  }, [floorAt, range]);
  const pick = (r: ChartRange) => void reports.setRange(r);
  return (
    <section className="card" aria-labelledby="charts-h" data-testid="charts-card">
      <h2 id="charts-h">{t('reports.charts')}</h2>
      <div className="form-row" role="group" aria-label={t('reports.range')}>
        {Ranges.options.map((r) => (
          <button key={r} type="button" className={`btn choice ${range === r ? 'choice-on' : ''}`} aria-pressed={range === r} onClick={() => pick(r)} data-testid={`range-${r}`}>
            {t(`reports.range.${r}`)}
          </button>
        ))}
      </div>
      {charts ? <ReportsCharts charts={charts} /> : <p>{t('loading')}</p>}
    </section>
  );
}

function Compliance() {
  const { t } = useT();
  const orders = useDash((s) => s.orders?.orders ?? NONE);
  const released = orders.filter((o) => o.status === 'released');
  const moId = useReports((s) => s.moId);
  const report = useReports((s) => s.compliance);
  const failed = useReports((s) => s.failed);
  const [picked, setPicked] = useState(moId ?? '');
  const floorAt = useDash((s) => s.floor?.at ?? null);
  useEffect(() => {
    void reports.readCompliance();
  }, [floorAt]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (picked) void reports.openCompliance(picked);
  };
  return (
    <>
      <form className="card no-print" onSubmit={submit} aria-labelledby="compliance-pick-h" data-testid="compliance-pick">
        <h2 id="compliance-pick-h">{t('reports.compliance')}</h2>
        <p className="small">{t('reports.complianceWhat')}</p>
        <div className="form-row">
          <label className="field">
            {t('order')}
            <select value={picked} onChange={(e) => setPicked(e.target.value)} data-testid="compliance-mo">
              <option value="">{t('reports.pickOrder')}</option>
              {released.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.id} · {o.articleCode}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary" disabled={!picked} data-testid="compliance-open">
            {t('reports.show')}
          </button>
        </div>
        {failed ? (
          <p className="notice notice-error" role="alert" data-testid="reports-error">
            {t('reports.failed', { code: failed })}
          </p>
        ) : null}
      </form>
      {moId && report ? <ComplianceReport report={report} /> : moId ? <p>{t('loading')}</p> : null}
    </>
  );
}

/** The numbers people ask for: charts of the floor's output and QC, and the batch compliance report of an MO. */
export function ReportsView() {
  const { t } = useT();
  return (
    <main className="main" aria-label={t('view.reports')}>
      <div className="grid grid-wide">
        <Compliance />
        <Charts />
      </div>
    </main>
  );
}
