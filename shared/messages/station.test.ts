import { describe, expect, it } from 'vitest';
import { STATION_MESSAGE_CODES, STATION_TEXT } from './station';

describe('station message catalogue', () => {
  it('has a sentence in both languages for every station message code, and the two differ', () => {
    for (const code of STATION_MESSAGE_CODES) {
      const t = STATION_TEXT[code];
      expect(t, code).toBeDefined();
      expect(t.en.trim().length, `${code} lacks English`).toBeGreaterThan(5);
      expect(t.id.trim().length, `${code} lacks Bahasa Indonesia`).toBeGreaterThan(5);
      expect(t.id, `${code} is not translated`).not.toBe(t.en);
    }
    expect(Object.keys(STATION_TEXT).sort()).toEqual([...STATION_MESSAGE_CODES].sort());
  });
});
