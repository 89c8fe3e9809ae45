import { useT } from '../context';
import type { UiKey } from '../messages';

/** A yes / no question answered by touch (two 48 px choices); nothing is assumed until one is tapped. */
export function YesNo({ label, value, onChange, testId }: { label: UiKey; value: boolean | null; onChange: (v: boolean) => void; testId: string }) {
  const { t } = useT();
  const labelId = `${testId}-label`;
  return (
    <div className="field">
      <span id={labelId}>{t(label)}</span>
      <div className="choices" role="radiogroup" aria-labelledby={labelId}>
        {([true, false] as const).map((v) => (
          <button key={String(v)} type="button" role="radio" aria-checked={value === v} className={`btn choice ${value === v ? 'choice-on' : ''}`} data-testid={`${testId}-${v ? 'yes' : 'no'}`} onClick={() => onChange(v)}>
            {t(v ? 'yes' : 'no')}
          </button>
        ))}
      </div>
    </div>
  );
}
