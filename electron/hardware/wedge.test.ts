import { describe, expect, it } from 'vitest';
import { createWedgeDetector, type KeyInput, type WedgeDetector, type WedgeOutput } from './wedge';

/** Types `text` with `gapMs` between keys starting at `t0`, then `end` (if any). */
function type(d: WedgeDetector, text: string, gapMs: number, t0 = 0, end?: string): WedgeOutput[] {
  const keys: KeyInput[] = [...text].map((key, i) => ({ key, timeMs: t0 + i * gapMs }));
  if (end) keys.push({ key: end, timeMs: t0 + text.length * gapMs });
  return keys.flatMap((k) => d.push(k));
}

describe('keyboard wedge detection', () => {
  it('takes a fast burst ending in Enter as a scan, with its AIM identifier split off', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, minLength: 4 });
    expect(type(d, ']C100376104250021234569', 8, 0, 'Enter')).toEqual([
      { kind: 'scan', symbology: ']C1', data: '00376104250021234569' },
    ]);
    expect(type(d, 'BADGE-0042', 5, 1000, 'Tab')).toEqual([{ kind: 'scan', symbology: null, data: 'BADGE-0042' }]);
  });

  it('releases a person typing as typing, including their Enter', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, minLength: 4 });
    const out = type(d, '1234', 120, 0, 'Enter');
    expect(out.filter((o) => o.kind === 'scan')).toEqual([]);
    expect(out.map((o) => (o.kind === 'typing' ? o.text : o.kind === 'key' ? `<${o.key}>` : '?')).join('')).toBe('1234<Enter>');
  });

  it('does not take a short fast burst (rolled keys) as a scan', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, minLength: 4 });
    expect(type(d, 'ab', 10, 0, 'Enter')).toEqual([{ kind: 'typing', text: 'ab' }, { kind: 'key', key: 'Enter' }]);
  });

  it('finds a scan that starts right after a person typed, and releases their keys first', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, minLength: 4 });
    const out = [...type(d, 'x', 0, 0), ...type(d, 'SPK-9', 5, 500, 'Enter')];
    expect(out).toEqual([{ kind: 'typing', text: 'x' }, { kind: 'scan', symbology: null, data: 'SPK-9' }]);
  });

  it('does not take a burst whose Enter comes late as a scan', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, minLength: 4 });
    type(d, 'ABCDEF', 5, 0);
    expect(d.push({ key: 'Enter', timeMs: 500 })).toEqual([{ kind: 'typing', text: 'ABCDEF' }, { kind: 'key', key: 'Enter' }]);
  });

  it('flush releases held keys once the burst goes quiet', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30 });
    type(d, 'q', 0, 100);
    expect(d.flush(110)).toEqual([]);
    expect(d.pending).toBe('q');
    expect(d.flush(200)).toEqual([{ kind: 'typing', text: 'q' }]);
    expect(d.pending).toBe('');
  });

  it('ignores modifier keys inside a scan and maps configured GS keys to GS', () => {
    const d = createWedgeDetector({ maxInterKeyMs: 30, groupSeparatorKeys: ['F8'] });
    const keys = ['0', '1', 'Shift', 'A', 'F8', '1', '0', 'Enter'].map((key, i) => ({ key, timeMs: i * 4 }));
    expect(keys.flatMap((k) => d.push(k))).toEqual([{ kind: 'scan', symbology: null, data: '01A\x1d10' }]);
  });

  it('passes navigation keys through after releasing held text', () => {
    const d = createWedgeDetector();
    type(d, 'ab', 5);
    expect(d.push({ key: 'Backspace', timeMs: 12 })).toEqual([{ kind: 'typing', text: 'ab' }, { kind: 'key', key: 'Backspace' }]);
  });
});
