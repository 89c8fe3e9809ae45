import type { ReactNode } from 'react';
import { useT } from '../context';

/** One field of a printed sheet: its name, its value, and the value's test id. */
export type SheetField = readonly [label: string, value: ReactNode, testId?: string];

/** A printed sheet's fields (carton label, packing list): each name, then its value in bold. */
export function SheetFields({ fields, className = '' }: { fields: readonly (SheetField | null)[]; className?: string }) {
  return (
    <dl className={`sheet-fields ${className}`.trim()}>
      {fields.map((f) =>
        f ? (
          <div key={f[0]} className="sheet-field">
            <dt>{f[0]}</dt>
            <dd data-testid={f[2]}>{f[1]}</dd>
          </div>
        ) : null,
      )}
    </dl>
  );
}

/**
 * A printed sheet's buttons (slip, carton label, packing list): Print, one click to the print dialog, and Back to the
 * screen. Not printed (`no-print`); `testId`-print and `testId`-back for the tests.
 */
export function PrintButtons({ testId, onPrint, onBack }: { testId: string; onPrint: () => void; onBack: () => void }) {
  const { t } = useT();
  return (
    <div className="no-print print-buttons">
      <button type="button" className="btn btn-primary" data-testid={`${testId}-print`} onClick={onPrint}>
        {t('print')}
      </button>
      <button type="button" className="btn btn-secondary" data-testid={`${testId}-back`} onClick={onBack}>
        {t('back')}
      </button>
    </div>
  );
}
