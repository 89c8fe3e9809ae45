import { barsOf, encodeGs1128 } from '../../../shared/barcode/code128';
import { encodeSsccElementString } from '../../../shared/barcode/gs1';
import { cartonNumber } from '../../../shared/rules/packing';
import { useScreen, useStation, useT } from '../context';
import { PrintButtons, SheetFields } from './Sheet';

/** Modules of quiet zone each side of the bars (GS1-128 asks for at least 10). */
const QUIET = 10;

/**
 * The carton label (shipping mark, GS1-128): the SSCC as bars drawn from our own encoder (inline SVG, so it prints
 * sharp at any size), the human-readable "(00) …" line under it, and what is in the carton. Print CSS shows only
 * the label, sized for a 100 mm label; one click prints it. The carton's number within its SPK ("Carton no. n") is
 * printed once the SPK's document lists the carton (it does as soon as the packing is recorded).
 */
export function CartonLabel() {
  const screen = useScreen();
  const carton = useStation((s) => s.printedCarton);
  const wo = useStation((s) => s.view?.workOrders.find((w) => w.id === s.printedCarton?.workOrderId));
  const { t } = useT();
  if (!carton) return null;
  const n = wo ? cartonNumber(wo, carton.sscc) : null;
  const symbol = encodeGs1128(encodeSsccElementString(carton.sscc));
  const width = symbol.modules + 2 * QUIET;
  return (
    <section className="carton-label card" data-testid="carton-label" aria-label={t('cartonLabelTitle')}>
      <style>{PRINT_CSS}</style>
      <h2 className="no-print">{t('cartonLabelTitle')}</h2>
      <SheetFields
        className="carton-fields"
        fields={[
          [t('article'), carton.articleCode, 'carton-article'],
          [t('quantity'), carton.quantity, 'carton-qty'],
          [t('destination'), carton.destination, 'carton-destination'],
          [t('shipWeek'), carton.shipWeek, 'carton-ship-week'],
          ['SPK', carton.workOrderId],
          n !== null ? [t('cartonNo'), n, 'carton-number'] : null,
        ]}
      />
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
      <PrintButtons testId="carton" onPrint={() => window.print()} onBack={() => screen.store.setState({ printedCarton: null })} />
    </section>
  );
}

const PRINT_CSS = `
.carton-label { max-width: 640px; }
.carton-fields { font-size: 1.2rem; }
.carton-sscc-title { margin-top: 1rem; font-size: 0.9rem; }
.carton-barcode { display: block; width: 100%; height: 120px; background: #fff; }
.carton-hri { font-family: ui-monospace, monospace; font-size: 1.4rem; letter-spacing: 0.08em; text-align: center; }
@media print {
  @page { size: 105mm 148mm; margin: 4mm; }
  .carton-label { border: none; box-shadow: none; max-width: none; width: 97mm; padding: 0; }
  .carton-barcode { height: 32mm; }
}
`;
