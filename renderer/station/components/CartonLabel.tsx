import { barsOf, encodeGs1128 } from '../../../shared/barcode/code128';
import { encodeSsccElementString } from '../../../shared/barcode/gs1';
import { useScreen, useStation, useT } from '../context';

/** Modules of quiet zone each side of the bars (GS1-128 asks for at least 10). */
const QUIET = 10;

/**
 * The carton label (shipping mark, GS1-128): the SSCC as bars drawn from our own encoder (inline SVG, so it prints
 * sharp at any size), the human-readable "(00) …" line under it, and what is in the carton. Print CSS shows only
 * the label, sized for a 100 mm label; one click prints it.
 */
export function CartonLabel() {
  const screen = useScreen();
  const carton = useStation((s) => s.printedCarton);
  const { t } = useT();
  if (!carton) return null;
  const symbol = encodeGs1128(encodeSsccElementString(carton.sscc));
  const width = symbol.modules + 2 * QUIET;
  return (
    <section className="carton-label card" data-testid="carton-label" aria-label={t('cartonLabelTitle')}>
      <style>{PRINT_CSS}</style>
      <h2 className="no-print">{t('cartonLabelTitle')}</h2>
      <dl className="carton-fields">
        <dt>{t('article')}</dt>
        <dd data-testid="carton-article">{carton.articleCode}</dd>
        <dt>{t('quantity')}</dt>
        <dd data-testid="carton-qty">{carton.quantity}</dd>
        <dt>{t('destination')}</dt>
        <dd data-testid="carton-destination">{carton.destination}</dd>
        <dt>{t('shipWeek')}</dt>
        <dd data-testid="carton-ship-week">{carton.shipWeek}</dd>
        <dt>SPK</dt>
        <dd>{carton.workOrderId}</dd>
      </dl>
      <div className="carton-sscc-title">SSCC</div>
      <svg
        className="carton-barcode"
        data-testid="carton-barcode"
        role="img"
        aria-label={`GS1-128 (00) ${carton.sscc}`}
        viewBox={`0 0 ${width} 60`}
        preserveAspectRatio="none"
        shapeRendering="crispEdges"
      >
        <rect x={0} y={0} width={width} height={60} fill="#fff" />
        {barsOf(symbol, QUIET).map((b) => (
          <rect key={b.x} x={b.x} y={0} width={b.w} height={60} fill="#000" />
        ))}
      </svg>
      <div className="carton-hri" data-testid="carton-hri">
        (00) {carton.sscc}
      </div>
      <div className="no-print">
        <button type="button" className="btn btn-primary" data-testid="carton-print" onClick={() => window.print()}>
          {t('print')}
        </button>
        <button type="button" className="btn btn-secondary" data-testid="carton-back" onClick={() => screen.store.setState({ printedCarton: null })}>
          {t('back')}
        </button>
      </div>
    </section>
  );
}

const PRINT_CSS = `
.carton-label { max-width: 640px; }
.carton-fields { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; font-size: 1.2rem; }
.carton-fields dd { margin: 0; font-weight: 700; }
.carton-sscc-title { margin-top: 1rem; font-size: 0.9rem; }
.carton-barcode { display: block; width: 100%; height: 120px; background: #fff; }
.carton-hri { font-family: ui-monospace, monospace; font-size: 1.4rem; letter-spacing: 0.08em; text-align: center; }
@media print {
  @page { size: 105mm 148mm; margin: 4mm; }
  .carton-label { border: none; box-shadow: none; max-width: none; width: 97mm; padding: 0; }
  .carton-barcode { height: 32mm; }
}
`;
