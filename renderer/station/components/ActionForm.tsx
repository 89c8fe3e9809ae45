import { useState } from 'react';
import type { WorkOrderDoc } from '../../../shared/docs';
import { choicesOf, initialValues, type FormSpec } from '../flows';
import { text } from '../store';
import { useScreen, useStation, useT } from '../context';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';

/**
 * Any department form (flows.ts) for one SPK. One event id per filled-in form: a second tap, or a retry after a
 * lost answer, records nothing twice (the core answers the same id with the first acknowledgement).
 */
export function ActionForm({ form, wo }: { form: FormSpec; wo: WorkOrderDoc }) {
  const screen = useScreen();
  const lineId = useStation((s) => s.view?.station.lineId ?? '');
  const busy = useStation((s) => s.busy);
  const { t, tb } = useT();
  const [values, setValues] = useState(() => initialValues(form, wo));
  const [eventId, setEventId] = useState(() => crypto.randomUUID());
  const field = `form-${form.key}`;
  const submit = async () => {
    const ack = await screen.run('action.record', { action: form.build(wo, lineId, values), eventId }, { field, ok: text('recorded') });
    if (ack) {
      setValues(initialValues(form, wo));
      setEventId(crypto.randomUUID());
    }
  };
  return (
    <FormCard testId={field} title={t(form.title)} onSubmit={() => void submit()}>
      {/* Steps 440–450: the goods come in under the sewing WIP code (from the article master) and leave as the article. */}
      {form.key === 'fgConversion' && wo.wipCode ? (
        <p className="wip-conversion" data-testid={`${field}-wip`}>
          {t('wipConversion', { wip: wo.wipCode, fg: wo.articleCode })}
        </p>
      ) : null}
      <div className="form-fields">
        {form.fields.map((f) => (
          <label key={f.name} className="field">
            <span>{t(f.label)}</span>
            {f.kind === 'choice' ? (
              <div className="choices" role="radiogroup" aria-label={t(f.label)}>
                {choicesOf(f, wo).map((o) => (
                  <button
                    key={o.value}
                    type="button"
                    role="radio"
                    aria-checked={values[f.name] === o.value}
                    className={`btn choice ${values[f.name] === o.value ? 'choice-on' : ''}`}
                    data-testid={`${field}-${f.name}-${o.value}`}
                    onClick={() => setValues({ ...values, [f.name]: o.value })}
                  >
                    {tb(o.label)}
                  </button>
                ))}
              </div>
            ) : (
              <input
                data-testid={`${field}-${f.name}`}
                inputMode={f.kind === 'count' ? 'numeric' : 'text'}
                value={values[f.name] ?? ''}
                onChange={(e) => setValues({ ...values, [f.name]: f.kind === 'count' ? e.target.value.replace(/\D/g, '') : e.target.value })}
                autoComplete="off"
              />
            )}
          </label>
        ))}
      </div>
      <NoticeLine field={field} />
      <button type="submit" className="btn btn-primary" data-testid={`${field}-submit`} disabled={busy}>
        {t('record')}
      </button>
    </FormCard>
  );
}
