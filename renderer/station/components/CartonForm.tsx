import { useEffect, useState } from 'react';
import type { WorkOrderDoc } from '../../../shared/docs';
import { initialValues, type FormSpec } from '../flows';
import { text } from '../store';
import { useScreen, useStation, useT } from '../context';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';

/**
 * Packing a carton (step 5xx, `packing.carton`): the operator gives the quantity; the SSCC comes from the station
 * (`carton.nextSscc`, from its leased block, online or offline) when the carton is packed, or from a carton label
 * scanned while the form is open. Packed, its label is shown to print (CartonLabel). A number the station handed out
 * stays with this form until the carton is recorded, so a refused record (too many pieces) retried takes no second one.
 */
export function CartonForm({ form, wo }: { form: FormSpec; wo: WorkOrderDoc }) {
  const screen = useScreen();
  const lineId = useStation((s) => s.view?.station.lineId ?? '');
  const busy = useStation((s) => s.busy);
  const scanned = useStation((s) => s.scannedCarton);
  const { t } = useT();
  const [values, setValues] = useState(() => initialValues(form, wo));
  const [eventId, setEventId] = useState(() => crypto.randomUUID());
  const [fromScan, setFromScan] = useState(false);
  /** Carton numbers the station still holds, as it said when it last numbered one. */
  const [left, setLeft] = useState<number | null>(null);
  const field = `form-${form.key}`;

  // A carton label scanned while this form is open: pack into that carton.
  useEffect(() => {
    if (!scanned) return;
    setValues((v) => ({ ...v, sscc: scanned }));
    setFromScan(true);
    screen.store.setState({ scannedCarton: null });
  }, [scanned, screen]);

  const submit = async () => {
    let sscc = values.sscc ?? '';
    if (!sscc) {
      const numbered = await screen.run('carton.nextSscc', {}, { field });
      if (!numbered) return;
      sscc = numbered.sscc;
      setLeft(numbered.remaining);
      setValues((v) => ({ ...v, sscc }));
    }
    const filled: Record<string, string> = { ...values, sscc };
    const action = form.build(wo, lineId, filled);
    const ack = await screen.run('action.record', { action, eventId }, { field, ok: text('cartonPacked', { sscc }) });
    if (!ack) return;
    screen.store.setState({
      printedCarton: { sscc, workOrderId: wo.id, articleCode: wo.articleCode, quantity: Number(filled.qty ?? ''), destination: wo.destination, shipWeek: wo.shipWeek },
    });
    setValues(initialValues(form, wo));
    setEventId(crypto.randomUUID());
    setFromScan(false);
  };

  return (
    <FormCard testId={field} title={t(form.title)} onSubmit={() => void submit()}>
      <div className="form-fields">
        <div className="field">
          <span>{t('sscc')}</span>
          <output data-testid={`${field}-sscc`}>{values.sscc ? `(00) ${values.sscc}` : '—'}</output>
          <small>{values.sscc ? (fromScan ? t('ssccScanned') : '') : t('ssccFromStation')}</small>
          {values.sscc && fromScan ? (
            <button
              type="button"
              className="btn btn-secondary"
              data-testid={`${field}-new-number`}
              onClick={() => {
                setValues((v) => ({ ...v, sscc: '' }));
                setFromScan(false);
              }}
            >
              {t('newNumber')}
            </button>
          ) : null}
        </div>
        <label className="field">
          <span>{t('quantity')}</span>
          <input
            data-testid={`${field}-qty`}
            inputMode="numeric"
            value={values.qty ?? ''}
            onChange={(e) => setValues({ ...values, qty: e.target.value.replace(/\D/g, '') })}
            autoComplete="off"
          />
        </label>
      </div>
      {left !== null ? <p className="muted" data-testid={`${field}-left`}>{t('cartonNumbersLeft', { n: left })}</p> : null}
      <NoticeLine field={field} />
      <button type="submit" className="btn btn-primary" data-testid={`${field}-submit`} disabled={busy}>
        {t('packAndPrint')}
      </button>
    </FormCard>
  );
}
