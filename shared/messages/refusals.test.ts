import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES } from '../refusal';
import { REFUSAL_TEXT, refusalText } from './refusals';

describe('refusal message catalogue', () => {
  it('has a sentence in both languages for every refusal code, and the two differ', () => {
    for (const code of REFUSAL_CODES) {
      const t = REFUSAL_TEXT[code];
      expect(t.en.trim().length, code).toBeGreaterThan(5);
      expect(t.id.trim().length, code).toBeGreaterThan(5);
      expect(t.id, `${code} is not translated`).not.toBe(t.en);
    }
    expect(Object.keys(REFUSAL_TEXT).sort()).toEqual([...REFUSAL_CODES].sort());
  });

  it('answers undefined for a code it does not know (a newer server), never an inherited property', () => {
    expect(refusalText('line_halted', 'id')).toBe(REFUSAL_TEXT.line_halted.id);
    expect(refusalText('no_such_code', 'en')).toBeUndefined();
    expect(refusalText('toString', 'en')).toBeUndefined();
  });
});
