import { afterEach, describe, expect, it } from 'vitest';
import type { DetectorFrame } from './driver';
import { createFramedDetector } from './framed-detector';
import { createLineDetector } from './line-detector';
import { MockSerialBus } from './mock-bus';
import { DeviceConnection, DeviceLocatorSchema, backoffDelay, findDevicePath, type ConnectionHealth, type PortInfo } from './ports';
import { FramedDetectorSimulator, encodeLine } from './simulator';

const port = (p: Partial<PortInfo> & { path: string }): PortInfo => ({ manufacturer: undefined, serialNumber: undefined, vendorId: undefined, productId: undefined, ...p });

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('finding a device', () => {
  const ports = [
    port({ path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A10KX9' }),
    port({ path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'B22QQ1' }),
    port({ path: '/dev/ttyACM0', vendorId: '05E0', productId: '1200', serialNumber: 'scn-7' }),
  ];
  const list = async () => ports;

  it('finds by USB ids and serial number, compared case-insensitively', async () => {
    const loc = DeviceLocatorSchema.parse({ vendorId: '0x0403', productId: '6001', serialNumber: 'b22qq1' });
    expect(await findDevicePath(loc, list)).toEqual({ path: '/dev/ttyUSB1', via: 'usb', listError: null, ambiguous: false });
    expect((await findDevicePath(DeviceLocatorSchema.parse({ vendorId: '05e0', productId: '1200' }), list)).path).toBe('/dev/ttyACM0');
    expect((await findDevicePath(DeviceLocatorSchema.parse({ serialNumber: 'SCN-7' }), list)).path).toBe('/dev/ttyACM0');
  });

  it('says when USB ids alone match more than one port', async () => {
    expect(await findDevicePath(DeviceLocatorSchema.parse({ vendorId: '403', productId: '6001' }), list)).toMatchObject({ path: '/dev/ttyUSB0', ambiguous: true });
  });

  it('falls back to the configured path when the device is not listed or listing fails (udevadm missing)', async () => {
    const loc = DeviceLocatorSchema.parse({ vendorId: '1a86', productId: '7523', path: '/dev/serial/by-id/md1' });
    expect(await findDevicePath(loc, list)).toMatchObject({ path: '/dev/serial/by-id/md1', via: 'path', listError: null });
    const broken = async (): Promise<PortInfo[]> => {
      throw new Error('spawn udevadm ENOENT');
    };
    expect(await findDevicePath(loc, broken)).toEqual({ path: '/dev/serial/by-id/md1', via: 'path', listError: 'port listing failed: spawn udevadm ENOENT', ambiguous: false });
    expect(await findDevicePath(DeviceLocatorSchema.parse({ vendorId: '1a86' }), broken)).toMatchObject({ path: null, via: 'none' });
  });

  it('refuses a locator with nothing to find the device by', () => {
    expect(() => DeviceLocatorSchema.parse({})).toThrow();
    expect(() => DeviceLocatorSchema.parse({ vendorId: 'xyz!' })).toThrow();
  });

  it('backs off exponentially up to the cap', () => {
    const b = { initialMs: 100, maxMs: 1000, factor: 2 };
    expect([0, 1, 2, 3, 4, 10, 1000].map((n) => backoffDelay(b, n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });
});

describe('DeviceConnection on the mock binding', () => {
  const connections: DeviceConnection<DetectorFrame>[] = [];
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.stop()));
  });

  it('finds the device by serial number, emits frames, survives unplug and finds it again under a new path', async () => {
    const bus = new MockSerialBus();
    bus.addDevice('/dev/mock-md-a', { vendorId: '0403', productId: '6001', serialNumber: 'MD-SN-1' });
    const conn = new DeviceConnection({
      name: 'finishing-md',
      locator: { vendorId: '0403', productId: '6001', serialNumber: 'md-sn-1' },
      driver: createFramedDetector(),
      binding: bus.binding,
      backoff: { initialMs: 10, maxMs: 40 },
    });
    connections.push(conn);
    const frames: DetectorFrame[] = [];
    const health: ConnectionHealth[] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.on('health', (h) => health.push(h));
    conn.start();
    await until(() => conn.connected);
    expect(conn.health()).toMatchObject({ connected: true, path: '/dev/mock-md-a', reconnects: 0 });

    const sim = new FramedDetectorSimulator('MD02', () => '2026-11-21T10:00:00');
    const det = sim.encode({ kind: 'detection', metal: 'fe' });
    bus.emit('/dev/mock-md-a', det.subarray(0, 9));
    await new Promise((r) => setTimeout(r, 10));
    bus.emit('/dev/mock-md-a', det.subarray(9));
    await until(() => frames.length === 1);
    expect(frames[0]).toMatchObject({ kind: 'detection', metal: 'fe', messageNo: 0 });
    expect(conn.health().lastFrameAt).not.toBeNull();

    bus.unplug('/dev/mock-md-a');
    await until(() => !conn.connected);
    expect(conn.health().lastError).toMatch(/disconnected/);
    await new Promise((r) => setTimeout(r, 60));
    expect(conn.health().failedOpens).toBeGreaterThan(0);

    bus.replug('/dev/mock-md-a', '/dev/mock-md-b');
    await until(() => conn.connected);
    expect(conn.health()).toMatchObject({ connected: true, path: '/dev/mock-md-b', reconnects: 1, failedOpens: 0 });
    // The device retransmits its last message after the replug: a duplicate, dropped.
    bus.emit('/dev/mock-md-b', sim.repeatLast());
    bus.emit('/dev/mock-md-b', sim.encode({ kind: 'fault', bits: 0x10 }));
    await until(() => frames.length === 2);
    expect(frames[1]).toMatchObject({ kind: 'fault', bits: 0x10 });
    expect(conn.health()).toMatchObject({ faults: 1, faultBits: 0x10 });
    expect(conn.health().driver.duplicates).toBe(1);
    expect(health.length).toBeGreaterThan(0);
  });

  it('keeps retrying with capped backoff while listing fails, using the configured path, and never throws', async () => {
    const bus = new MockSerialBus();
    const conn = new DeviceConnection({
      name: 'line-md',
      locator: { vendorId: '1a86', productId: '7523', path: '/dev/mock-line' },
      driver: createLineDetector(),
      binding: bus.binding,
      list: async () => {
        throw new Error('spawn udevadm ENOENT');
      },
      backoff: { initialMs: 5, maxMs: 20 },
    });
    connections.push(conn);
    const frames: DetectorFrame[] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.on('frame', () => {
      throw new Error('a buggy listener');
    });
    conn.start();
    await until(() => conn.health().failedOpens >= 4);
    expect(conn.health()).toMatchObject({ connected: false, listError: 'port listing failed: spawn udevadm ENOENT' });
    expect(conn.health().retryInMs).toBeLessThanOrEqual(20);

    bus.addDevice('/dev/mock-line');
    await until(() => conn.connected);
    bus.emit('/dev/mock-line', encodeLine({ kind: 'detection', metal: 'stainless' }));
    await until(() => frames.length === 1);
    expect(frames[0]).toEqual({ kind: 'detection', metal: 'stainless', deviceId: 'MD01' });
    expect(conn.health().lastError).toMatch(/listener for frame threw/);
  });

  it('stops cleanly: no reopen after stop', async () => {
    const bus = new MockSerialBus();
    bus.addDevice('/dev/mock-stop');
    const conn = new DeviceConnection({ name: 'x', locator: { path: '/dev/mock-stop' }, driver: createLineDetector(), binding: bus.binding, backoff: { initialMs: 5, maxMs: 5 } });
    conn.start();
    await until(() => conn.connected);
    await conn.stop();
    expect(bus.isOpen('/dev/mock-stop')).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(conn.connected).toBe(false);
    expect(bus.isOpen('/dev/mock-stop')).toBe(false);
  });
});
