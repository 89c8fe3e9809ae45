/**
 * What an operator records at each department, as forms: the fields asked for and the action they build. Pure (no
 * React), so the rules of each form are tested on their own; the screen renders any of them with one component.
 * The station core parses and judges the action with the shared rules; a form only gathers it.
 */
import type { Bilingual } from '../../shared/api';
import type { WorkOrderDoc } from '../../shared/docs';
import type { Action } from '../../shared/events';
import type { Department } from '../../shared/master';
import { UI, type UiKey } from './messages';

export type FieldSpec =
  | { name: string; label: UiKey; kind: 'count'; min: number }
  | { name: string; label: UiKey; kind: 'text'; optional?: boolean; initial?: (wo: WorkOrderDoc) => string }
  | { name: string; label: UiKey; kind: 'choice'; options: Choices | ((wo: WorkOrderDoc) => Choices) }
  /** A carton's SSCC: numbered by the station (`carton.nextSscc`) when packed, or read from a scanned carton label; never typed. */
  | { name: string; label: UiKey; kind: 'sscc' };

export type Choices = readonly { value: string; label: Bilingual }[];

/** A choice field's options for this SPK (fixed, or from the work order, as cutting's parts come from its BOM). */
export function choicesOf(field: Extract<FieldSpec, { kind: 'choice' }>, wo: WorkOrderDoc): Choices {
  return typeof field.options === 'function' ? field.options(wo) : field.options;
}

/** Cutting records parts: the SPK's bill of cut parts (a work order from before BOMs records bodies as sets). */
function cutPartChoices(wo: WorkOrderDoc): Choices {
  const parts = wo.cutParts ?? [{ part: 'body', qtyPerSet: 1 }];
  return parts.map(({ part, qtyPerSet }) => ({ value: part, label: { en: `${part} ×${qtyPerSet}/set`, id: `${part} ×${qtyPerSet}/set` } }));
}

/** The cartons packed on this SPK, newest first (a shipping mark is printed for one of them). */
function packedCartons(wo: WorkOrderDoc): Choices {
  return [...wo.cartons].reverse().map((sscc) => ({ value: sscc, label: { en: sscc, id: sscc } }));
}

/** A form whose SSCC the station numbers (the carton form): the screen shows it with its carton label. */
export function numbersCartons(form: FormSpec): boolean {
  return form.fields.some((f) => f.kind === 'sscc');
}

export interface FormSpec {
  key: string;
  title: UiKey;
  fields: readonly FieldSpec[];
  build(wo: WorkOrderDoc, lineId: string, v: Readonly<Record<string, string>>): Action;
}

const n = (v: Readonly<Record<string, string>>, name: string): number => Number(v[name] ?? '');
const s = (v: Readonly<Record<string, string>>, name: string): string => (v[name] ?? '').trim();
/** An optional text: absent when left empty (the rules then ask for it when it is needed). */
const optional = <K extends string>(key: K, value: string): { [P in K]?: string } => (value ? ({ [key]: value } as { [P in K]: string }) : {});

const label = (en: string, id: string): Bilingual => ({ en, id });
const QC_RESULTS = [
  { value: 'pass', label: UI.pass },
  { value: 'rework', label: UI.rework },
  { value: 'scrap', label: UI.scrap },
] as const;
const SEWING_STAGES = [
  { value: 'assembly', label: label('Assembly', 'Perakitan') },
  { value: 'labelling', label: label('Labelling (destination label)', 'Pelabelan (label tujuan)') },
  { value: 'back_loop', label: label('Back loop', 'Jahit belakang') },
] as const;
const INSPECTION_RESULTS = [
  { value: 'pass', label: UI.pass },
  { value: 'fail', label: label('Fail', 'Gagal') },
] as const;
const FINISHING_STEPS = [
  { value: 'stuffing', label: label('Stuffing', 'Pengisian') },
  { value: 'closing', label: label('Closing', 'Penutupan') },
  { value: 'grooming', label: label('Grooming', 'Perapian') },
] as const;

type OneOf<T extends readonly { value: string }[]> = T[number]['value'];
const pick = <T extends readonly { value: string }[]>(options: T, value: string | undefined): OneOf<T> => {
  const found = options.find((o) => o.value === value) ?? options[0];
  if (!found) throw new Error('a choice needs options');
  return found.value;
};

const output = (title: UiKey, fields: readonly FieldSpec[], build: FormSpec['build']): FormSpec => ({ key: title, title, fields, build });
/** A form whose test ids and notices keep an older key than its title (screens and tests already name it). */
const keyed = (key: string, form: FormSpec): FormSpec => ({ ...form, key });

export const DEPARTMENT_FORMS: Record<Department, readonly FormSpec[]> = {
  cutting: [
    output(
      'output',
      [
        { name: 'part', label: 'part', kind: 'choice', options: cutPartChoices },
        { name: 'size', label: 'size', kind: 'text', initial: () => 'M' },
        { name: 'goodQty', label: 'good', kind: 'count', min: 1 },
      ],
      (wo, lineId, v) => ({ type: 'cutting.output', payload: { workOrderId: wo.id, lineId, part: s(v, 'part'), size: s(v, 'size'), goodQty: n(v, 'goodQty') } }),
    ),
  ],
  embroidery: [
    output(
      'output',
      [
        { name: 'goodQty', label: 'good', kind: 'count', min: 0 },
        { name: 'defectQty', label: 'defect', kind: 'count', min: 0 },
        { name: 'defectReason', label: 'defectReason', kind: 'text', optional: true },
      ],
      (wo, lineId, v) => ({
        type: 'embroidery.output',
        payload: { workOrderId: wo.id, lineId, goodQty: n(v, 'goodQty'), defectQty: n(v, 'defectQty'), ...optional('defectReason', s(v, 'defectReason')) },
      }),
    ),
  ],
  sewing: [
    output(
      'output',
      [
        { name: 'stage', label: 'stage', kind: 'choice', options: SEWING_STAGES },
        { name: 'goodQty', label: 'good', kind: 'count', min: 1 },
        { name: 'destinationLabel', label: 'destination', kind: 'text', optional: true, initial: (wo) => wo.destination },
      ],
      (wo, lineId, v) => {
        const stage = pick(SEWING_STAGES, v.stage);
        // The destination label is sewn in at labelling (step 330) and checked against the order there only.
        const labelled = stage === 'labelling' ? optional('destinationLabel', s(v, 'destinationLabel')) : {};
        return { type: 'sewing.stage', payload: { workOrderId: wo.id, lineId, stage, goodQty: n(v, 'goodQty'), ...labelled } };
      },
    ),
    output(
      'inlineQc',
      [
        { name: 'stage', label: 'stage', kind: 'choice', options: SEWING_STAGES },
        { name: 'result', label: 'result', kind: 'choice', options: QC_RESULTS },
        { name: 'qty', label: 'quantity', kind: 'count', min: 1 },
        { name: 'defectReason', label: 'defectReason', kind: 'text', optional: true },
      ],
      (wo, lineId, v) => ({
        type: 'qc.inline',
        payload: { workOrderId: wo.id, lineId, stage: pick(SEWING_STAGES, v.stage), result: pick(QC_RESULTS, v.result), qty: n(v, 'qty'), ...optional('defectReason', s(v, 'defectReason')) },
      }),
    ),
  ],
  finishing: [
    output(
      'output',
      [
        { name: 'step', label: 'step', kind: 'choice', options: FINISHING_STEPS },
        { name: 'qty', label: 'quantity', kind: 'count', min: 1 },
      ],
      (wo, lineId, v) => ({ type: 'finishing.step', payload: { workOrderId: wo.id, lineId, step: pick(FINISHING_STEPS, v.step), qty: n(v, 'qty') } }),
    ),
    // Physical QC (symmetry, dimensions) of pieces that passed the detector.
    output(
      'physicalQc',
      [
        { name: 'result', label: 'result', kind: 'choice', options: QC_RESULTS },
        { name: 'qty', label: 'quantity', kind: 'count', min: 1 },
        { name: 'defectReason', label: 'defectReason', kind: 'text', optional: true },
      ],
      (wo, lineId, v) => ({
        type: 'finishing.physicalQc',
        payload: { workOrderId: wo.id, lineId, result: pick(QC_RESULTS, v.result), qty: n(v, 'qty'), ...optional('defectReason', s(v, 'defectReason')) },
      }),
    ),
    output(
      'fgConversion',
      [
        { name: 'qty', label: 'quantity', kind: 'count', min: 1 },
        { name: 'fgArticleCode', label: 'fgArticle', kind: 'text', initial: (wo) => wo.articleCode },
      ],
      (wo, lineId, v) => ({ type: 'fg.converted', payload: { workOrderId: wo.id, lineId, qty: n(v, 'qty'), fgArticleCode: s(v, 'fgArticleCode') } }),
    ),
  ],
  packing: [
    // Steps 470–490: sorted by the SPK's own destination and ship week.
    keyed(
      'output',
      output('packingSort', [{ name: 'qty', label: 'quantity', kind: 'count', min: 1 }], (wo, _lineId, v) => ({
        type: 'packing.sorted',
        payload: { workOrderId: wo.id, destination: wo.destination, shipWeek: wo.shipWeek, qty: n(v, 'qty') },
      })),
    ),
    output(
      'carton',
      [
        { name: 'sscc', label: 'sscc', kind: 'sscc' },
        { name: 'qty', label: 'quantity', kind: 'count', min: 1 },
      ],
      (wo, lineId, v) => ({ type: 'packing.carton', payload: { workOrderId: wo.id, lineId, sscc: s(v, 'sscc'), destination: wo.destination, shipWeek: wo.shipWeek, qty: n(v, 'qty') } }),
    ),
    // A shipping mark is printed for a carton packed on this SPK: picked from its cartons, not typed.
    output('shippingMark', [{ name: 'sscc', label: 'packedCarton', kind: 'choice', options: packedCartons }], (wo, _lineId, v) => ({
      type: 'packing.shippingMark',
      payload: { workOrderId: wo.id, sscc: s(v, 'sscc') },
    })),
    output(
      'finalInspection',
      [
        { name: 'result', label: 'result', kind: 'choice', options: INSPECTION_RESULTS },
        { name: 'sampleSize', label: 'sampleSize', kind: 'count', min: 1 },
        { name: 'defectsFound', label: 'defectsFound', kind: 'count', min: 0 },
      ],
      (wo, _lineId, v) => ({
        type: 'packing.finalInspection',
        payload: { workOrderId: wo.id, result: pick(INSPECTION_RESULTS, v.result), sampleSize: n(v, 'sampleSize'), defectsFound: n(v, 'defectsFound') },
      }),
    ),
    output('complete', [], (wo) => ({ type: 'packing.completed', payload: { workOrderId: wo.id } })),
  ],
};

/** Empty values for a form, with the defaults its fields propose for this SPK. */
export function initialValues(form: FormSpec, wo: WorkOrderDoc): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of form.fields) {
    if (f.kind === 'choice') values[f.name] = choicesOf(f, wo)[0]?.value ?? '';
    else if (f.kind === 'text') values[f.name] = f.initial ? f.initial(wo) : '';
    else values[f.name] = '';
  }
  return values;
}
