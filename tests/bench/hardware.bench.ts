/**
 * Hardware bridge parse throughput: each driver's frames/s over a realistic byte stream cut into 64-byte reads, and
 * its ratio to a bare `ReadlineParser` (what serialport users reach for first) splitting the same bytes.
 * The drivers do more (validation, checksums, de-duplication), so the goal is to stay within 2x of bare splitting.
 *
 *   npx tsx tests/bench/hardware.bench.ts
 */
import { pathToFileURL } from 'node:url';
import { ReadlineParser } from '@serialport/parser-readline';
import type { DeviceFrame, Driver } from '../../electron/hardware/driver';
import { createFramedDetector } from '../../electron/hardware/framed-detector';
import { createLineDetector } from '../../electron/hardware/line-detector';
import { createScanner } from '../../electron/hardware/scanner';
import { FramedDetectorSimulator, encodeLine, encodeScan, type DetectorEvent } from '../../electron/hardware/simulator';
import { meetsGoal, printBench, type BenchResult } from './bench-format';

const MESSAGES = 60_000;
const READ_SIZE = 64;
const ROUNDS = 7;

function mixEvent(i: number): DetectorEvent {
  if (i % 50 === 7) return { kind: 'detection', metal: 'fe' };
  if (i % 500 === 11) return { kind: 'verification', metal: 'stainless', sizeMm: 1.5, pieceId: `TP-${i % 97}`, result: 'pass' };
  if (i % 1000 === 13) return { kind: 'fault', bits: 0x08 };
  return { kind: 'pass' };
}

function chunk(parts: Uint8Array[]): Uint8Array[] {
  const all = Buffer.concat(parts);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += READ_SIZE) out.push(all.subarray(i, i + READ_SIZE));
  return out;
}

interface Workload {
  name: string;
  make: () => Driver<DeviceFrame>;
  reads: Uint8Array[];
  /** Delimiter a bare ReadlineParser would split this stream on. */
  delimiter: string;
}

function workloads(): Workload[] {
  const time = '2026-11-21T10:00:00';
  const sim = new FramedDetectorSimulator('MD02', () => time);
  const line: Uint8Array[] = [];
  const framed: Uint8Array[] = [];
  const scans: Uint8Array[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    line.push(encodeLine(mixEvent(i), { time, terminator: 'CRLF' }));
    framed.push(sim.encode(mixEvent(i)));
    scans.push(
      encodeScan(
        i % 3 === 0
          ? { symbology: ']C1', data: `003761042500${String(i).padStart(8, '0')}\x1d10LOT${i % 100}` }
          : { symbology: null, data: `SPK-${String(i).padStart(8, '0')}` },
        'CRLF',
      ),
    );
  }
  return [
    { name: 'line-detector', make: () => createLineDetector(), reads: chunk(line), delimiter: '\n' },
    { name: 'framed-detector', make: () => createFramedDetector(), reads: chunk(framed), delimiter: '\x03' },
    { name: 'scanner', make: () => createScanner(), reads: chunk(scans), delimiter: '\n' },
  ];
}

function driverRate(w: Workload): { rate: number; frames: number } {
  const driver = w.make();
  let frames = 0;
  const start = process.hrtime.bigint();
  for (const r of w.reads) frames += driver.push(r).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (driver.health().errors > 0) throw new Error(`${w.name}: unexpected parse errors in a clean stream`);
  return { rate: frames / seconds, frames };
}

function readlineRate(w: Workload): Promise<number> {
  return new Promise((resolve, reject) => {
    const parser = new ReadlineParser({ delimiter: w.delimiter, encoding: 'latin1' });
    let lines = 0;
    parser.on('data', () => lines++);
    parser.on('error', reject);
    const start = process.hrtime.bigint();
    parser.on('end', () => resolve(lines / (Number(process.hrtime.bigint() - start) / 1e9)));
    for (const r of w.reads) parser.write(r);
    parser.end();
    parser.resume();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runHardwareBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const w of workloads()) {
    const driver: number[] = [];
    const ratios: number[] = [];
    // One warm-up round each so the JIT has seen both before timing.
    driverRate(w);
    await readlineRate(w);
    // Paired rounds (driver, then bare, back to back) and the median of the per-round ratios: on a shared machine
    // the load changes between rounds, and pairing cancels most of that out of the ratio.
    for (let i = 0; i < ROUNDS; i++) {
      const d = driverRate(w).rate;
      const b = await readlineRate(w);
      driver.push(d);
      ratios.push(d / b);
    }
    const rate = Math.round(median(driver));
    const ratio = Math.round(median(ratios) * 100) / 100;
    results.push({ metric: `${w.name} parse throughput`, value: rate, unit: 'frames/s', goal: '>= 100000', met: meetsGoal(rate, '>= 100000') });
    results.push({ metric: `${w.name} vs bare ReadlineParser`, value: ratio, unit: 'ratio', goal: '>= 0.5', met: meetsGoal(ratio, '>= 0.5') });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runHardwareBench().then(
    (results) => printBench('hardware', results),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
