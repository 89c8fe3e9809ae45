import type { ChartsView, QcSummaryRow } from '../../../sync-server/dashboard/reports-contract';
import { useT } from '../context';
import { usePlace } from './place';

const W = 640;
const H = 120;
const AXIS = 18;

/** A percentage as people read it; null (nothing inspected) as a dash, never 0 %. */
export const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);

/** Output of one department per hour: one bar per hour of the range, scaled to the busiest hour. */
function OutputBars({ department, perBucket, total, buckets }: { department: string; perBucket: number[]; total: number; buckets: ChartsView['buckets'] }) {
  const { t } = useT();
  const place = usePlace();
  const max = Math.max(1, ...perBucket);
  const step = W / Math.max(1, perBucket.length);
  const first = buckets[0]?.local ?? '';
  const last = buckets[buckets.length - 1]?.local ?? '';
  return (
    <figure className="chart" data-testid={`output-${department}`} data-total={total}>
      <figcaption>
        <strong>{place(department)}</strong> · {t('reports.outputTotal', { n: total })} · {t('reports.busiestHour', { n: Math.max(0, ...perBucket) })}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H + AXIS}`} role="img" aria-label={t('reports.outputChartLabel', { department: place(department), n: total })} style={{ width: '100%', height: 'auto' }}>
        <line x1={0} y1={H} x2={W} y2={H} stroke="#4a5260" strokeWidth={1} />
        {perBucket.map((n, i) =>
          n > 0 ? (
            <rect key={i} x={i * step + step * 0.1} y={H - (n / max) * (H - 4)} width={Math.max(1, step * 0.8)} height={(n / max) * (H - 4)} fill="#0b5cad">
              <title>{`${buckets[i]?.local ?? ''}: ${n}`}</title>
            </rect>
          ) : null,
        )}
        <text x={0} y={H + 14} fontSize={11} fill="#4a5260">
          {first}
        </text>
        <text x={W} y={H + 14} fontSize={11} fill="#4a5260" textAnchor="end">
          {last}
        </text>
      </svg>
    </figure>
  );
}

/** QC pass rate and first-pass yield of each department, as two bars out of 100 %. */
function QcBars({ qc }: { qc: QcSummaryRow[] }) {
  const { t } = useT();
  const place = usePlace();
  const rowH = 44;
  const labelW = 150;
  const barW = W - labelW - 70;
  const height = qc.length * rowH;
  const bar = (rate: number | null, y: number, colour: string, title: string) => (
    <g>
      <rect x={labelW} y={y} width={barW} height={14} fill="#e3e7ed" />
      {rate !== null ? <rect x={labelW} y={y} width={barW * rate} height={14} fill={colour} /> : null}
      <text x={labelW + barW + 6} y={y + 12} fontSize={12} fill="#14171c">
        {percent(rate)}
      </text>
      <title>{`${title}: ${percent(rate)}`}</title>
    </g>
  );
  return (
    <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={t('reports.qcChartLabel')} style={{ width: '100%', height: 'auto' }}>
      {qc.map((q, i) => (
        <g key={q.department} transform={`translate(0 ${i * rowH})`}>
          <text x={0} y={18} fontSize={13} fill="#14171c">
            {place(q.department)}
          </text>
          {bar(q.passRate, 4, '#1d6b35', t('reports.passRate'))}
          {bar(q.firstPassYield, 22, '#0b5cad', t('reports.firstPassYield'))}
        </g>
      ))}
    </svg>
  );
}

/** The charts of the range: output per hour per department, then QC per department with its numbers. */
export function ReportsCharts({ charts }: { charts: ChartsView }) {
  const { t } = useT();
  const place = usePlace();
  return (
    <div data-testid="charts">
      <h3>{t('reports.outputPerHour', { tz: charts.timeZone })}</h3>
      {charts.output.length === 0 ? <p data-testid="no-output">{t('reports.noOutput')}</p> : charts.output.map((o) => <OutputBars key={o.department} {...o} buckets={charts.buckets} />)}
      <h3>{t('reports.qcTitle')}</h3>
      {charts.qc.length === 0 ? (
        <p data-testid="no-qc">{t('reports.noQc')}</p>
      ) : (
        <>
          <p className="small">
            <span className="legend legend-pass" /> {t('reports.passRate')} <span className="legend legend-fpy" /> {t('reports.firstPassYield')}
          </p>
          <QcBars qc={charts.qc} />
          <table className="report-table" data-testid="qc-table">
            <thead>
              <tr>
                <th scope="col">{t('department')}</th>
                <th scope="col">{t('reports.recorded')}</th>
                <th scope="col">{t('reports.passRate')}</th>
                <th scope="col">{t('reports.inspected')}</th>
                <th scope="col">{t('reports.firstPassYield')}</th>
              </tr>
            </thead>
            <tbody>
              {charts.qc.map((q) => (
                <tr key={q.department} data-testid={`qc-${q.department}`}>
                  <th scope="row">{place(q.department)}</th>
                  <td className="num">
                    {q.passed} / {q.recorded}
                  </td>
                  <td className="num">{percent(q.passRate)}</td>
                  <td className="num">
                    {q.passedFirstTime} / {q.inspected}
                  </td>
                  <td className="num">{percent(q.firstPassYield)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small">{t('reports.fpyMeaning')}</p>
        </>
      )}
    </div>
  );
}
