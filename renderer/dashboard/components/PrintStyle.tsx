/**
 * Printing, one click: the page's Print button calls `window.print()` and this stylesheet prints only the
 * `.print-area` on screen (a compliance report, a sheet of SPK labels or badges), without the header, the views'
 * tabs or the buttons (`.no-print`). Labels and badges are sized in mm so they print at their real size.
 */
const PRINT_CSS = `
.print-area .sheet { display: flex; flex-wrap: wrap; gap: 4mm; }
.spk-label { width: 100mm; min-height: 62mm; border: 1px solid #000; padding: 3mm; box-sizing: border-box; break-inside: avoid; background: #fff; color: #000; }
.spk-label .big { font-size: 16pt; font-weight: 700; }
.badge-card { width: 85.6mm; height: 54mm; border: 1px solid #000; border-radius: 3mm; padding: 3mm; box-sizing: border-box; break-inside: avoid; background: #fff; color: #000; display: flex; flex-direction: column; justify-content: space-between; }
.badge-card .big { font-size: 14pt; font-weight: 700; }
.code128 { margin: 1mm 0 0; }
.code128-text { font-family: ui-monospace, monospace; font-size: 9pt; text-align: center; letter-spacing: 0.05em; }
.label-route { font-size: 9pt; }
.label-route .here { font-weight: 700; text-decoration: underline; }
.report-table { font-size: 0.85rem; }
.legend { display: inline-block; width: 0.8em; height: 0.8em; margin-left: 0.6em; }
.legend-pass { background: #1d6b35; }
.legend-fpy { background: #0b5cad; }
.report-head { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 0.2rem 1rem; }
.report-head dd { margin: 0; font-weight: 700; }
@media print {
  body *:not(.print-area):not(:has(.print-area)):not(.print-area *) { display: none !important; }
  .print-area .no-print { display: none !important; }
  .print-area { border: none !important; box-shadow: none !important; margin: 0; padding: 0; }
  body, .app, .main { background: #fff !important; padding: 0 !important; margin: 0 !important; }
  .report-table { font-size: 8pt; }
  @page { margin: 8mm; }
}
`;

export function PrintStyle() {
  return <style>{PRINT_CSS}</style>;
}

/** The one-click Print button (hidden on paper). */
export function PrintButton({ label, testId }: { label: string; testId: string }) {
  return (
    <button type="button" className="btn btn-primary no-print" data-testid={testId} onClick={() => window.print()}>
      {label}
    </button>
  );
}
