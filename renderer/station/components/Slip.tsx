import { useMemo } from 'react';
import { qrModules, qrPath } from '../../../shared/barcode/qr';
import { useScreen, useStation, useT } from '../context';
import { PrintButtons } from './Sheet';

/** The slip's signed code as a QR code (shared/barcode/qr.ts): what a scanner at the receiving station reads. */
function SlipQr({ code, label }: { code: string; label: string }) {
  const modules = useMemo(() => qrModules(code), [code]);
  const side = modules.length + 8;
  return (
    <svg className="slip-qr" viewBox={`0 0 ${side} ${side}`} role="img" aria-label={label} data-testid="slip-qr" data-modules={modules.length} shapeRendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={qrPath(modules)} fill="#000" />
    </svg>
  );
}

/**
 * The printed QT-09 slip: human-readable lines, the signed code the receiver scans as a QR code, and the same code as
 * text (typed in by hand if the print is damaged). Print CSS shows only the slip.
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
      <SlipQr code={slip.slip} label={t('signedCode')} />
      <pre className="slip-code" data-testid="slip-code">
        {slip.slip}
      </pre>
      <PrintButtons testId="slip" onPrint={() => window.print()} onBack={() => screen.store.setState({ printedSlip: null })} />
    </section>
  );
}
