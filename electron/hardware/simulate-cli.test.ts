import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DetectorFrame } from './driver';
import { createFramedDetector } from './framed-detector';
import { DeviceConnection } from './ports';
import { openPtyPair, socatAvailable } from './pty';

const cli = fileURLToPath(new URL('./simulate-cli.ts', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (stderr += t));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(!socatAvailable())('simulate-cli', () => {
  it('writes a scripted framed-detector session into a pty that the station reads', async () => {
    const pair = await openPtyPair();
    const conn = new DeviceConnection({ name: 'cli', locator: { path: pair.a }, driver: createFramedDetector() });
    const frames: DetectorFrame[] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.start();
    try {
      for (let i = 0; i < 200 && !conn.connected; i++) await new Promise((r) => setTimeout(r, 10));
      expect(conn.connected).toBe(true);
      const { code, stderr } = await runCli([
        '--device', 'framed-detector', '--port', pair.b, '--delay', '5',
        '--script', 'pass*2;split;detect:fe;dup;garbage:10;verify:ss:1.5:TP-SS:pass;fault:0x04;wrap;pass;pass;pass',
      ]);
      expect(code, stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      const kinds = frames.filter((f) => f.kind !== 'error').map((f) => ('messageNo' in f ? `${f.kind}:${f.messageNo}` : f.kind));
      expect(kinds).toEqual(['pass:0', 'pass:1', 'detection:2', 'verification:3', 'fault:4', 'gap', 'pass:9998', 'pass:9999', 'pass:0']);
      expect(conn.health().driver.duplicates).toBe(1);
    } finally {
      await conn.stop();
      await pair.close();
    }
  });

  it('refuses a bad script with a clear message', async () => {
    const { code, stderr } = await runCli(['--device', 'scanner', '--port', '/dev/null', '--script', 'explode']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown step "explode"/);
  });
});
