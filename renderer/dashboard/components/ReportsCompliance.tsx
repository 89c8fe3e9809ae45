import type { ReactNode } from 'react';
import type { ComplianceView } from '../../../sync-server/dashboard/reports-contract';
import { api } from '../api';
import { useT } from '../context';
import { UI, type UiKey } from '../messages';
import { PrintButton } from './PrintButton';

/** The record kinds the report lists (shared/reports/compliance.ts), in the reader's language. */
const KIND: Readonly<Record<string, UiKey>> = {
  qc: 'kind.qc',
  physical_qc: 'kind.physical_qc',
  final_inspection: 'kind.final_inspection',
  detector_pass: 'kind.detector_pass',
  detector_reject: 'kind.detector_reject',
  verification: 'kind.verification',
  verification_overdue: 'kind.verification_overdue',
  detector_fault: 'kind.detector_fault',
  detector_power_on: 'kind.detector_power_on',
  halt: 'kind.halt',
  halt_released: 'kind.halt_released',
  hold: 'kind.hold',
  hold_released: 'kind.hold_released',
  needle_broken: 'kind.needle_broken',
};

/** A table of the report: column heads from the catalogue, then the rows. */
function ReportTable({ testId, columns, children }: { testId: string; columns: readonly UiKey[]; children: ReactNode }) {
  const { t } = useT();
  return (
    <table className="report-table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {t(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/**
 * The batch compliance report of one MO, as printed: the order, per-SPK sums, verifications, halts with their
 * disposition, then every record, dates in the factory's time zone. Print (one click) prints only this; the CSV
 * holds the same records.
 */
export function ComplianceReport({ report }: { report: ComplianceView }) {
  const { t } = useT();
  const { mo } = report;
  const kind = (k: string) => (KIND[k] ? t(KIND[k]) : k);
  // Results, causes and dispositions are codes (the CSV keeps them so); on screen and paper, in the reader's language.
  const said = (code: string) => (`result.${code}` in UI ? t(`result.${code}` as UiKey) : code);
  return (
    <article className="card print-area" data-testid="compliance-report" aria-labelledby="compliance-h">
      <h2 id="compliance-h">{t('reports.complianceOf', { mo: mo.id })}</h2>
      <div className="no-print form-row">
        <PrintButton label={t('print')} testId="compliance-print" />
        <a className="btn btn-secondary" href={api.complianceCsvUrl(mo.id)} download={`compliance-${mo.id}.csv`} data-testid="compliance-csv">
          {t('reports.downloadCsv')}
        </a>
      </div>
      <dl className="report-head">
        <dt>{t('article')}</dt>
        <dd>{mo.articleCode}</dd>
        <dt>{t('quantity')}</dt>
        <dd>{mo.quantity}</dd>
        <dt>{t('route')}</dt>
        <dd>{mo.route}</dd>
        <dt>{t('destination')}</dt>
        <dd>
          {mo.destination} · {mo.shipWeek}
        </dd>
        <dt>{t('reports.generated')}</dt>
        <dd data-testid="compliance-generated">
          {report.generatedLocal} ({report.timeZone})
        </dd>
        <dt>{t('reports.verifications')}</dt>
        <dd data-testid="compliance-verifications">{t('reports.verificationCounts', report.verifications)}</dd>
      </dl>

      <h3>{t('reports.perSpk')}</h3>
      <ReportTable testId="compliance-spks" columns={['spk', 'reports.qcPassReworkScrap', 'reports.detectorPasses', 'reports.detectorRejects', 'reports.held']}>
          {report.spks.map((s) => (
            <tr key={s.workOrderId} data-testid={`compliance-spk-${s.workOrderId}`}>
              <th scope="row">{s.workOrderId}</th>
              <td className="num">
                {s.qcPass} / {s.qcRework} / {s.qcScrap}
              </td>
              <td className="num">{s.detectorPasses}</td>
              <td className="num">{s.detectorRejects}</td>
              <td className="num">
                {s.heldQty}
                {s.stillHeldQty > 0 ? ` (${t('reports.stillHeld', { n: s.stillHeldQty })})` : ''}
              </td>
            </tr>
          ))}
        </ReportTable>

      <h3>{t('reports.halts')}</h3>
      {report.halts.length === 0 ? (
        <p data-testid="compliance-no-halts">{t('reports.noHalts')}</p>
      ) : (
        <ReportTable testId="compliance-halts" columns={['reports.time', 'line', 'reports.cause', 'reports.disposition', 'reports.correctiveAction', 'reports.releasedBy']}>
            {report.halts.map((h) => (
              <tr key={h.haltId} data-testid={`halt-${h.haltId}`}>
                <td>{h.local}</td>
                <td>{h.lineId}</td>
                <td>
                  {said(h.cause)} ({h.detections})
                </td>
                <td>{h.disposition ? said(h.disposition) : t('reports.notReleased')}</td>
                <td>{h.correctiveAction ?? '—'}</td>
                <td>{h.releasedBy ? `${h.releasedBy} · ${h.releasedLocal ?? ''}` : '—'}</td>
              </tr>
            ))}
          </ReportTable>
      )}

      <h3>{t('reports.records', { n: report.records.length })}</h3>
      {report.records.length === 0 ? (
        <p data-testid="compliance-no-records">{t('reports.noRecords')}</p>
      ) : (
        <ReportTable testId="compliance-records" columns={['reports.time', 'reports.record', 'spk', 'line', 'station', 'reports.operator', 'reports.result', 'quantity', 'reports.detail']}>
            {report.records.map((r, i) => (
              <tr key={`${r.eventId}-${r.workOrderId ?? ''}-${i}`} data-kind={r.kind}>
                <td>{r.local}</td>
                <td>{kind(r.kind)}</td>
                <td>{r.workOrderId ?? '—'}</td>
                <td>{r.lineId ?? '—'}</td>
                <td>{r.stationId ?? '—'}</td>
                <td>{r.operatorId ?? '—'}</td>
                <td>{said(r.result)}</td>
                <td className="num">{r.qty ?? '—'}</td>
                <td>{r.detail}</td>
              </tr>
            ))}
          </ReportTable>
      )}
    </article>
  );
}
