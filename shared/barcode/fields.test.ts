import { describe, expect, it } from 'vitest';
import { ArticleCode, OperatorId, PLACE_CODES, Place, StationId, WorkOrderId, placeCode, placeFromCode } from './fields';

describe('label field formats (from shared/master) never contain the ":" separator', () => {
  it('each format rejects a value with ":" in it', () => {
    const samples: Array<[{ safeParse(v: unknown): { success: boolean } }, string]> = [
      [OperatorId, 'OP-0001'],
      [WorkOrderId, 'MO-2026-0001-SEW'],
      [ArticleCode, 'QT-TEDDY-30'],
      [StationId, 'ST-CUT-01'],
    ];
    for (const [schema, valid] of samples) {
      expect(schema.safeParse(valid).success).toBe(true);
      for (let i = 1; i <= valid.length; i++) {
        expect(schema.safeParse(valid.slice(0, i) + ':' + valid.slice(i)).success).toBe(false);
        expect(schema.safeParse(valid.slice(0, i) + ':').success).toBe(false);
      }
    }
  });
});

describe('place codes', () => {
  it('every place has a unique code that maps back', () => {
    expect(PLACE_CODES).toHaveLength(Place.options.length);
    for (const p of Place.options) expect(placeFromCode(placeCode(p))).toBe(p);
    expect(placeFromCode('sewing')).toBeUndefined();
    for (const c of PLACE_CODES) expect(c).not.toContain(':');
  });
});
