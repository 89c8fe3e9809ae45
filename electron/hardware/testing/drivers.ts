/** Test helpers for the serial drivers: bytes fed as separate reads, frames sorted into events and errors. */
import type { DeviceFrame, Driver } from '../driver';

/** Feeds chunks one by one (as separate reads) and collects every frame. */
export function feed<F extends DeviceFrame>(driver: Driver<F>, ...chunks: (Uint8Array | string)[]): F[] {
  const out: F[] = [];
  for (const c of chunks) out.push(...driver.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
  return out;
}

export const events = <F extends DeviceFrame>(frames: F[]): F[] => frames.filter((f) => f.kind !== 'error');
export const errors = <F extends DeviceFrame>(frames: F[]): F[] => frames.filter((f) => f.kind === 'error');
