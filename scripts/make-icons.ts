/**
 * Draws the app icon (a white "Q" ring on the floor's dark teal) and writes what electron-builder wants, with no
 * image library: build/icons/<N>x<N>.png for Linux, build/icon.png (512) and build/icon.ico (PNG-in-ICO, 16-256)
 * for Windows. Run again after changing the drawing: `npx tsx scripts/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const BUILD = fileURLToPath(new URL('../build', import.meta.url));
export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512] as const;
export const ICO_SIZES = [16, 32, 48, 256] as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** RGBA of the icon at (x, y) of a size×size square. */
function pixel(x: number, y: number, size: number): [number, number, number, number] {
  const u = (x + 0.5) / size - 0.5;
  const v = (y + 0.5) / size - 0.5;
  // Rounded square background.
  const r = 0.18;
  const dx = Math.max(Math.abs(u) - (0.5 - r), 0);
  const dy = Math.max(Math.abs(v) - (0.5 - r), 0);
  if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
  const d = Math.hypot(u, v);
  const ring = d > 0.2 && d < 0.3;
  // The Q's tail: a bar from the ring towards the bottom right.
  const along = (u + v) / Math.SQRT2;
  const across = Math.abs(u - v) / Math.SQRT2;
  const tail = along > 0.16 && along < 0.4 && across < 0.05;
  return ring || tail ? [255, 255, 255, 255] : [16, 94, 104, 255];
}

export function iconPng(size: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0: none
    for (let x = 0; x < size; x++) Buffer.from(pixel(x, y, size)).copy(row, 1 + x * 4);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(6, 9); // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** An ICO holding PNG images (Windows Vista and later read them; 256 is what NSIS and Explorer want). */
export function iconIco(sizes: readonly number[]): Buffer {
  const images = sizes.map(iconPng);
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map((img, i) => {
    const size = sizes[i] as number;
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(img.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += img.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...images]);
}

export function writeIcons(dir = BUILD): void {
  mkdirSync(join(dir, 'icons'), { recursive: true });
  for (const size of LINUX_SIZES) writeFileSync(join(dir, 'icons', `${size}x${size}.png`), iconPng(size));
  writeFileSync(join(dir, 'icon.png'), iconPng(512));
  writeFileSync(join(dir, 'icon.ico'), iconIco(ICO_SIZES));
}

if (import.meta.url === `file://${process.argv[1]}`) writeIcons();
