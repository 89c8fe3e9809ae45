import { useScreen, useStation, useT } from '../context';

/**
 * The printed QT-09 slip: human-readable lines and the signed code the receiver scans (printed as text in a
 * scanner-readable monospace block until a 2D barcode renderer lands). Print CSS shows only the slip.
 */
export function Slip() {
  const screen = useScreen();
  const slip = useStation((s) => s.printedSlip);
  const { t } = useT();
  if (!slip) return null;
  return (
    <section className="slip card" data-testid="slip" aria-label={t('slipTitle')}>
      <h2>{t('slipTitle')}</h2>
      <dl>
        <dt>{t('transfer')}</dt>
        <dd data-testid="slip-transfer">{slip.transferId}</dd>
        <dt>SPK</dt>
        <dd>{slip.workOrderId}</dd>
        <dt>{t('article')}</dt>
        <dd>{slip.articleCode}</dd>
        <dt>{t('quantity')}</dt>
        <dd data-testid="slip-qty">{slip.quantity}</dd>
        <dt>{t('from')}</dt>
        <dd>{slip.from}</dd>
        <dt>{t('to')}</dt>
        <dd>{slip.to}</dd>
      </dl>
      <div className="slip-code-label">{t('signedCode')}</div>
      <pre className="slip-code" data-testid="slip-code">
        {slip.slip}
      </pre>
      <div className="no-print">
        <button type="button" className="btn btn-primary" data-testid="slip-print" onClick={() => window.print()}>
          {t('print')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => screen.store.setState({ printedSlip: null })}>
          {t('back')}
        </button>
      </div>
    </section>
  );
}
