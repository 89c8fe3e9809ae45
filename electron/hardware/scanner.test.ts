import { describe, expect, it } from 'vitest';
import { ScannerFrameSchema } from './driver';
import { createScanner, splitAimPrefix } from './scanner';
import { encodeScan } from './simulator';
import { feed } from './testing/drivers';

const SSCC = ']C1' + '00' + '376104250021234569' + '\x1d' + '10LOT42';

describe('scanner', () => {
  it('ends a scan on CR, LF or CRLF', () => {
    for (const t of ['\r', '\n', '\r\n']) {
      expect(feed(createScanner(), `SPK-000123${t}BADGE-77${t}`)).toEqual([
        { kind: 'scan', symbology: null, data: 'SPK-000123' },
        { kind: 'scan', symbology: null, data: 'BADGE-77' },
      ]);
    }
  });

  it('does not make a phantom empty scan from a CRLF split across reads', () => {
    const d = createScanner();
    expect(feed(d, 'SPK-1\r', '\n', 'SPK-2\r', '\nSPK-3\r\n')).toEqual([
      { kind: 'scan', symbology: null, data: 'SPK-1' },
      { kind: 'scan', symbology: null, data: 'SPK-2' },
      { kind: 'scan', symbology: null, data: 'SPK-3' },
    ]);
    expect(d.health().errors).toBe(0);
  });

  it('returns the AIM symbology identifier separately and keeps GS in the data', () => {
    const frames = feed(createScanner(), encodeScan({ symbology: null, data: SSCC }, 'CRLF'), ']E04006381333931\r', ']d2010400638133393110ABC\x1d21XYZ\n');
    expect(frames).toEqual([
      { kind: 'scan', symbology: ']C1', data: '00376104250021234569\x1d10LOT42' },
      { kind: 'scan', symbology: ']E0', data: '4006381333931' },
      { kind: 'scan', symbology: ']d2', data: '010400638133393110ABC\x1d21XYZ' },
    ]);
    for (const f of frames) expect(ScannerFrameSchema.parse(f)).toEqual(f);
    expect(splitAimPrefix(']C1')).toEqual({ symbology: ']C1', data: '' });
    expect(splitAimPrefix('] C1X')).toEqual({ symbology: null, data: '] C1X' });
  });

  it('gives the same scans whatever byte the stream is split at', () => {
    const bytes = Buffer.concat([Buffer.from(encodeScan({ symbology: null, data: SSCC }, 'CRLF')), Buffer.from('BADGE-1\r\n')]);
    const whole = feed(createScanner(), bytes);
    expect(whole).toHaveLength(2);
    for (let i = 0; i <= bytes.length; i++) expect(feed(createScanner(), bytes.subarray(0, i), bytes.subarray(i))).toEqual(whole);
  });

  it('rejects a scan with line noise or broken UTF-8, and reads UTF-8 data', () => {
    const d = createScanner();
    const frames = feed(d, 'SPK\x07-1\r', Buffer.from([0x41, 0xc3, 0x0d]), ']C1\r', Buffer.from('Bär-1\r'));
    expect(frames.map((f) => f.kind)).toEqual(['error', 'error', 'error', 'scan']);
    expect(frames[3]).toEqual({ kind: 'scan', symbology: null, data: 'Bär-1' });
  });

  it('drops an over-long scan with a bounded buffer', () => {
    const d = createScanner({ maxLength: 32 });
    const frames = feed(d, 'A'.repeat(100), 'B'.repeat(100), '\rOK-1\r');
    expect(frames.map((f) => f.kind)).toEqual(['error', 'scan']);
    expect(d.health().bufferedBytes).toBe(0);
  });
});
