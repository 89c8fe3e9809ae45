import { useT } from '../context';

/** A touch keypad for PINs (48 px+ keys); the physical keyboard works too. */
export function Keypad({ value, onChange, max = 8, testId }: { value: string; onChange: (v: string) => void; max?: number; testId: string }) {
  const { t } = useT();
  const press = (d: string) => value.length < max && onChange(value + d);
  return (
    <div className="keypad" data-testid={testId}>
      {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
        <button key={d} type="button" className="key" onClick={() => press(d)}>
          {d}
        </button>
      ))}
      <button type="button" className="key key-muted" onClick={() => onChange('')}>
        {t('clear')}
      </button>
      <button type="button" className="key" onClick={() => press('0')}>
        0
      </button>
      <button type="button" className="key key-muted" aria-label="backspace" onClick={() => onChange(value.slice(0, -1))}>
        ⌫
      </button>
    </div>
  );
}
