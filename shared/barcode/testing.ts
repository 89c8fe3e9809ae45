/** Fixtures for the barcode codecs' tests. */
import type { TransferSlipFields } from './transfer-slip';
import jsQR from 'jsqr';

/** A slip for 240 pieces from cutting to sewing, sent by ST-CUT-01 (the tests sign it with a fresh key pair). */
export const SLIP_FIELDS: Readonly<TransferSlipFields> = {
  transferId: '019b76da-a800-7123-8456-0123456789ab',
  workOrderId: 'MO-2026-0001-CUT',
  toWorkOrderId: 'MO-2026-0001-SEW',
  articleCode: 'QT-TEDDY-30',
  quantity: 240,
  from: 'cutting',
  to: 'sewing',
  fromStationId: 'ST-CUT-01',
};

/** Rasterises the modules (4 px each, a 4-module white quiet zone) and reads them back with an independent decoder. */
export function decodeQr(modules: readonly (readonly boolean[])[]): string | null {
  const scale = 4;
  const quiet = 4;
  const size = (modules.length + 2 * quiet) * scale;
  const px = new Uint8ClampedArray(size * size * 4).fill(255);
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (!dark) return;
      for (let y = 0; y < scale; y++)
        for (let x = 0; x < scale; x++) {
          const i = (((r + quiet) * scale + y) * size + (c + quiet) * scale + x) * 4;
          px[i] = px[i + 1] = px[i + 2] = 0;
        }
    }),
  );
  return jsQR(px, size, size)?.data ?? null;
}

/** The modules an SVG path of `qrPath` draws (`size` modules a side, quiet zone `quiet`): to decode a QR from a screen. */
export function modulesFromPath(path: string, size: number, quiet = 4): boolean[][] {
  const m = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const row = m[Number(y) - quiet];
    if (row) row[Number(x) - quiet] = true;
  }
  return m;
}
