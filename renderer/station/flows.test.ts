import { describe, expect, it } from 'vitest';
import { ssccCheckDigit } from '../../shared/barcode/gs1';
import { newWorkOrderDoc } from '../../shared/docs';
import { ActionSchema } from '../../shared/events';
import { Department, fanOut } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { DEPARTMENT_FORMS, initialValues } from './flows';

/** Extension digit 0, GS1 company prefix 0614141, serial 000000123, then its check digit. */
const SSCC = `00614141000000123${ssccCheckDigit('00614141000000123')}`;
const workOrders = fanOut(mo(7, { route: 'R1' })).map((w) => newWorkOrderDoc(w));
const woAt = (d: Department) => {
  const wo = workOrders.find((w) => w.place === d);
  if (!wo) throw new Error(`no work order at ${d}`);
  return wo;
};

describe('department forms', () => {
  it('every department has a form, and each builds an action the shared schema accepts once filled in', () => {
    for (const d of Department.options) {
      const forms = DEPARTMENT_FORMS[d];
      expect(forms.length, d).toBeGreaterThan(0);
      for (const form of forms) {
        const wo = woAt(d);
        const values = initialValues(form, wo);
        for (const f of form.fields) {
          if (f.kind === 'count') values[f.name] = '5';
          // A carton's SSCC is scanned from its label: a valid one here.
          if (f.name === 'sscc') values[f.name] = SSCC;
        }
        const action = form.build(wo, 'LN-X-1', values);
        const parsed = ActionSchema.safeParse(action);
        expect(parsed.success, `${d}/${form.key}: ${JSON.stringify(action)}`).toBe(true);
        expect((action.payload as { workOrderId: string }).workOrderId).toBe(wo.id);
      }
    }
  });

  it('an empty optional text is left out (the rules then ask for it), a filled one is trimmed', () => {
    const [, qc] = DEPARTMENT_FORMS.sewing;
    const wo = woAt('sewing');
    const empty = qc!.build(wo, 'LN-SEW-1', { stage: 'assembly', result: 'scrap', qty: '2', defectReason: '  ' });
    expect(empty.payload).not.toHaveProperty('defectReason');
    const given = qc!.build(wo, 'LN-SEW-1', { stage: 'assembly', result: 'scrap', qty: '2', defectReason: ' torn seam ' });
    expect(given.payload).toMatchObject({ defectReason: 'torn seam', result: 'scrap', qty: 2 });
  });

  it("sewing sends the destination label only at labelling, proposed from the SPK's destination", () => {
    const [output] = DEPARTMENT_FORMS.sewing;
    const wo = woAt('sewing');
    const values = initialValues(output!, wo);
    expect(values.destinationLabel).toBe(wo.destination);
    expect(output!.build(wo, 'LN-SEW-1', { ...values, stage: 'assembly', goodQty: '3' }).payload).not.toHaveProperty('destinationLabel');
    expect(output!.build(wo, 'LN-SEW-1', { ...values, stage: 'labelling', goodQty: '3' }).payload).toMatchObject({ destinationLabel: wo.destination, stage: 'labelling' });
  });

  it('an unknown choice falls back to the first option, never to a value the schema refuses', () => {
    const [output] = DEPARTMENT_FORMS.finishing;
    const action = output!.build(woAt('finishing'), 'LN-FIN-1', { step: 'teleport', qty: '1' });
    expect(action.payload).toMatchObject({ step: 'stuffing' });
  });
});
