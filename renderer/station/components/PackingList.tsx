import { useState } from 'react';
import { flushSync } from 'react-dom';
import { packingList } from '../../../shared/rules/packing';
import { dateTimeOf } from '../clock';
import { useScreen, useStation, useT } from '../context';
import { PrintButtons, SheetFields } from './Sheet';

/**
 * A packing SPK's packing list (carton manifest): every carton packed on it so far ("carton n of N", SSCC, pieces,
 * when), the cartons and pieces packed against the SPK's quantity, article, destination, ship week and MO. Built from
 * the SPK's work order document the station holds (`packingList`, shared/rules/packing.ts), so it prints offline.
 * The sheet says it is the list as of its print time; print CSS shows only the sheet, A4 portrait; one click prints.
 */
export function PackingList() {
  const screen = useScreen();
  const printed = useStation((s) => s.printedPackingList);
  const wo = useStation((s) => s.view?.workOrders.find((w) => w.id === s.printedPackingList?.workOrderId));
  const { t, lang } = useT();
  // As of now: when the sheet opened, when the SPK's document changed under it, and when it is printed.
  const [asOf, setAsOf] = useState(() => ({ wo, at: Date.now() }));
  if (asOf.wo !== wo) setAsOf({ wo, at: Date.now() });
  if (!printed || !wo) return null;
  const list = packingList(wo);
  const print = () => {
    // The sheet says "as of" the moment it is printed: the time is written before the print dialog takes the page.
    flushSync(() => setAsOf({ wo, at: Date.now() }));
    window.print();
  };
  return (
    <section className="packing-list card" data-testid="packing-list" aria-label={t('packingListTitle')}>
      <style>{PRINT_CSS}</style>
      <h2>{t('packingListTitle')}</h2>
      <p className="packing-list-asof" data-testid="packing-list-asof">
        {t('packingListAsOf', { time: dateTimeOf(asOf.at, lang) })}
      </p>
      <SheetFields
        fields={[
          ['SPK', list.workOrderId, 'packing-list-spk'],
          ['MO', list.moId, 'packing-list-mo'],
          [t('article'), list.articleCode, 'packing-list-article'],
          [t('destination'), list.destination, 'packing-list-destination'],
          [t('shipWeek'), list.shipWeek, 'packing-list-ship-week'],
          [t('cartonsPacked'), list.cartonCount, 'packing-list-count'],
          [t('piecesPacked'), t('piecesOfSpk', { n: list.packedQty, total: list.plannedQty }), 'packing-list-pieces'],
        ]}
      />
      {list.lines.length === 0 ? (
        <p className="empty" data-testid="packing-list-empty">
          {t('packingListNone')}
        </p>
      ) : (
        <table className="packing-list-table">
          <thead>
            <tr>
              <th scope="col">{t('cartonCol')}</th>
              <th scope="col">SSCC</th>
              <th scope="col" className="num">
                {t('quantity')}
              </th>
              <th scope="col">{t('packedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {list.lines.map((line) => (
              <tr key={line.sscc} data-testid={`packing-list-line-${line.n}`}>
                <td data-testid={`packing-list-of-${line.n}`}>{t('nOfTotal', { n: line.n, total: list.cartonCount })}</td>
                <td className="sscc" data-testid={`packing-list-sscc-${line.n}`}>
                  (00) {line.sscc}
                </td>
                <td className="num" data-testid={`packing-list-qty-${line.n}`}>
                  {line.qty ?? '—'}
                </td>
                <td>{line.packedAtMs === null ? '—' : dateTimeOf(line.packedAtMs, lang)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('totalPieces')}</th>
              <td data-testid="packing-list-total-cartons">{t('cartonsN', { n: list.cartonCount })}</td>
              <td className="num" data-testid="packing-list-total">
                {list.packedQty}
              </td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
      <PrintButtons testId="packing-list" onPrint={print} onBack={() => screen.store.setState({ printedPackingList: null })} />
    </section>
  );
}

const PRINT_CSS = `
.packing-list { max-width: 960px; }
.packing-list-asof { font-size: 1rem; }
.packing-list-table { width: 100%; border-collapse: collapse; margin: 1rem 0; font-size: 1.05rem; }
.packing-list-table th, .packing-list-table td { border-bottom: 1px solid #9aa3ad; padding: 0.4rem 0.5rem; text-align: left; }
.packing-list-table .num { text-align: right; }
.packing-list-table .sscc { font-family: ui-monospace, monospace; letter-spacing: 0.04em; }
.packing-list-table tfoot th, .packing-list-table tfoot td { font-weight: 700; border-bottom: none; border-top: 2px solid #14171c; }
@media print {
  @page { size: A4 portrait; margin: 15mm; }
  .packing-list { border: none; box-shadow: none; max-width: none; padding: 0; font-size: 10.5pt; }
  .packing-list-table { font-size: 10pt; }
  .packing-list-table thead { display: table-header-group; }
  .packing-list-table tr { break-inside: avoid; }
}
`;
