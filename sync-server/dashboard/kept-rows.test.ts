import { describe, expect, it } from 'vitest';
import { KeptRows, signature } from './kept-rows';

interface Src {
  id: string;
  n: number;
  note: string | null;
}

describe('KeptRows', () => {
  const make = () => {
    let built = 0;
    const kept = new KeptRows<Src, { id: string; label: string }>(
      (s) => s.id,
      (s) => signature([s.n, s.note]),
      (s) => {
        built++;
        return { id: s.id, label: `${s.id}:${s.n}:${s.note ?? '-'}` };
      },
    );
    return { kept, built: () => built };
  };

  it('gives back the same row object while its source is the same, a new one when it changed', () => {
    const { kept, built } = make();
    const first = kept.rows([{ id: 'a', n: 1, note: null }, { id: 'b', n: 2, note: 'x' }]);
    expect(built()).toBe(2);
    const second = kept.rows([{ id: 'a', n: 1, note: null }, { id: 'b', n: 3, note: 'x' }]);
    expect(built()).toBe(3);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]).toEqual({ id: 'b', label: 'b:3:x' });
  });

  it('follows the order given, and forgets a row whose source is gone (built again when it comes back)', () => {
    const { kept, built } = make();
    kept.rows([{ id: 'a', n: 1, note: null }, { id: 'b', n: 1, note: null }]);
    const reordered = kept.rows([{ id: 'b', n: 1, note: null }]);
    expect(reordered.map((r) => r.id)).toEqual(['b']);
    expect(built()).toBe(2);
    kept.rows([{ id: 'a', n: 1, note: null }, { id: 'b', n: 1, note: null }]);
    expect(built()).toBe(3);
  });

  it('tells null from the text "null" and a number from its text', () => {
    expect(signature([null])).not.toBe(signature(['null']));
    expect(signature([1])).not.toBe(signature(['1']));
    expect(signature(['a', 'b'])).not.toBe(signature(['a\u0000sb']));
    expect(signature([1, null])).toBe(signature([1, undefined]));
  });
});
