/**
 * From the station config's `devices` to one serial connection per device, each with its driver. A config the
 * drivers cannot use throws at once, naming the device, so a bad config stops the station at start.
 */
import type { z } from 'zod';
import { describeIssues } from '../../shared/events';
import { DeviceConfig, type DeviceConfigInput } from '../core/config';
import type { Driver } from './driver';
import { FramedDetectorConfigSchema, createFramedDetector } from './framed-detector';
import { encodeHostRequest } from './host-request';
import { LineDetectorConfigSchema, createLineDetector } from './line-detector';
import { DeviceConnection, DeviceLocatorSchema, type BackoffSchema, type DeviceLocatorInput, type PortLister, type SerialBinding } from './ports';
import { ScannerConfigSchema, createScanner } from './scanner';

export interface ConnectionOptions {
  binding?: SerialBinding;
  list?: PortLister;
  backoff?: z.input<typeof BackoffSchema>;
  now: () => number;
}

/** Every device config parsed, device ids unique. */
export function parseDevices(devices: readonly DeviceConfigInput[]): DeviceConfig[] {
  const configs = devices.map((d, i) => {
    const r = DeviceConfig.safeParse(d);
    if (!r.success) throw new Error(`devices[${i}]: ${describeIssues(r.error)}`);
    return r.data;
  });
  const ids = new Set<string>();
  for (const c of configs) {
    if (ids.has(c.deviceId)) throw new Error(`device ${c.deviceId} is configured twice`);
    ids.add(c.deviceId);
  }
  return configs;
}

/** The device's connection (not started), its driver built from the driver family's own options schema. */
export function connectDevice(config: DeviceConfig, opts: ConnectionOptions): DeviceConnection {
  return new DeviceConnection({
    name: config.deviceId,
    locator: locatorOf(config),
    driver: makeDriver(config),
    baudRate: config.baudRate,
    now: opts.now,
    ...(opts.binding ? { binding: opts.binding } : {}),
    ...(opts.list ? { list: opts.list } : {}),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
  });
}

/**
 * What the station sends a detector to start a verification run (host-request.ts): framed detectors are asked for
 * test mode; line detectors take no requests (null: the run waits for the pieces run through by hand).
 */
export function testModeRequest(d: DeviceConfig): Uint8Array | null {
  return d.driver === 'framed-detector' ? encodeHostRequest({ deviceId: d.deviceId, command: 'VER' }) : null;
}

function makeDriver(d: DeviceConfig): Driver {
  const options = d.options ?? {};
  const fail = (error: z.ZodError): never => {
    throw new Error(`device ${d.deviceId}: driver options: ${describeIssues(error)}`);
  };
  switch (d.driver) {
    case 'line-detector': {
      const r = LineDetectorConfigSchema.safeParse(options);
      return r.success ? createLineDetector(r.data) : fail(r.error);
    }
    case 'framed-detector': {
      const r = FramedDetectorConfigSchema.safeParse(options);
      return r.success ? createFramedDetector(r.data) : fail(r.error);
    }
    case 'scanner': {
      const r = ScannerConfigSchema.safeParse(options);
      return r.success ? createScanner(r.data) : fail(r.error);
    }
  }
}

function locatorOf(d: DeviceConfig): DeviceLocatorInput {
  const locator: DeviceLocatorInput = {};
  if (d.path !== undefined) locator.path = d.path;
  if (d.vendorId !== undefined) locator.vendorId = d.vendorId;
  if (d.productId !== undefined) locator.productId = d.productId;
  if (d.serialNumber !== undefined) locator.serialNumber = d.serialNumber;
  const r = DeviceLocatorSchema.safeParse(locator);
  if (!r.success) throw new Error(`device ${d.deviceId}: ${describeIssues(r.error)}`);
  return locator;
}
