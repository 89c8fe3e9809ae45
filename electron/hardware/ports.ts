import { z } from 'zod';
import { SerialPort } from 'serialport';
import { SerialPortStream } from '@serialport/stream';
import type { DeviceFrame, Driver, DriverHealth } from './driver';

/*
 * `@serialport/bindings-interface` ships its types without an `exports` types entry, so TypeScript's Bundler
 * resolution cannot see them; these are the parts of that contract this module relies on.
 */
export interface PortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}
export interface SerialBinding {
  list(): Promise<PortInfo[]>;
  open(options: { path: string; baudRate: number }): Promise<object>;
}

/**
 * Finding and keeping a serial device.
 *
 * A USB-serial adapter gets a new name (`/dev/ttyUSB0` -> `/dev/ttyUSB1`) when it is moved to another USB port, so
 * devices are found by USB vendor/product id and serial number; a configured path is the fallback (and the only way
 * for a pty or a fixed RS-232 port). `SerialPort.list()` shells out to `udevadm` on Linux and rejects when it is
 * missing: that is reported in health, never thrown.
 */

const usbId = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{1,4}$/)
  .transform((s) => normalizeUsbId(s));

export const DeviceLocatorSchema = z
  .object({
    vendorId: usbId.optional(),
    productId: usbId.optional(),
    serialNumber: z.string().min(1).max(128).optional(),
    /** Fallback, or the only key for a pty / fixed port (a stable symlink such as /dev/serial/by-id/... is best). */
    path: z.string().min(1).optional(),
  })
  .refine((l) => l.path !== undefined || l.vendorId !== undefined || l.serialNumber !== undefined, {
    message: 'a device needs a USB id, a serial number or a path',
  });
export type DeviceLocator = z.infer<typeof DeviceLocatorSchema>;
export type DeviceLocatorInput = z.input<typeof DeviceLocatorSchema>;

export type PortLister = () => Promise<PortInfo[]>;

function normalizeUsbId(id: string): string {
  return id.toLowerCase().replace(/^0x/, '').padStart(4, '0');
}

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Whether a listed port is the device the locator describes (ids and serial number compared case-insensitively). */
export function matchesLocator(port: PortInfo, locator: DeviceLocator): boolean {
  if (locator.vendorId === undefined && locator.productId === undefined && locator.serialNumber === undefined) return false;
  if (locator.vendorId !== undefined && (!port.vendorId || normalizeUsbId(port.vendorId) !== locator.vendorId)) return false;
  if (locator.productId !== undefined && (!port.productId || normalizeUsbId(port.productId) !== locator.productId)) return false;
  if (locator.serialNumber !== undefined && !same(port.serialNumber, locator.serialNumber)) return false;
  return true;
}

export interface FoundPort {
  path: string | null;
  via: 'usb' | 'path' | 'none';
  /** Why listing failed (e.g. `udevadm` missing), when it did. */
  listError: string | null;
  /** More than one port matched the USB ids (give a serial number to tell them apart). */
  ambiguous: boolean;
}

/** Resolves a locator to a path. Never rejects. */
export async function findDevicePath(locator: DeviceLocator, list: PortLister = SerialPort.list): Promise<FoundPort> {
  const fallback = (listError: string | null): FoundPort => ({
    path: locator.path ?? null,
    via: locator.path ? 'path' : 'none',
    listError,
    ambiguous: false,
  });
  const byUsb = locator.vendorId !== undefined || locator.productId !== undefined || locator.serialNumber !== undefined;
  if (!byUsb) return fallback(null);
  let ports: PortInfo[];
  try {
    ports = await list();
  } catch (err) {
    return fallback(`port listing failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const matches = ports.filter((p) => matchesLocator(p, locator)).sort((a, b) => a.path.localeCompare(b.path));
  const first = matches[0];
  if (!first) return fallback(null);
  return { path: first.path, via: 'usb', listError: null, ambiguous: matches.length > 1 };
}

// ---------------------------------------------------------------------------------------------------------------
// DeviceConnection
// ---------------------------------------------------------------------------------------------------------------

export const BackoffSchema = z.object({
  initialMs: z.number().int().min(1).default(250),
  maxMs: z.number().int().min(1).default(10_000),
  factor: z.number().min(1).max(10).default(2),
});
export type Backoff = z.infer<typeof BackoffSchema>;

/** Delay before reopen attempt number `failures` (0-based): exponential, capped. */
export function backoffDelay(backoff: Backoff, failures: number): number {
  return Math.min(backoff.maxMs, Math.round(backoff.initialMs * backoff.factor ** Math.min(failures, 64)));
}

export interface ConnectionHealth {
  name: string;
  connected: boolean;
  path: string | null;
  /** Station clock (ms) of the last non-diagnostic frame. */
  lastFrameAt: number | null;
  /** Fault frames seen, and the fault register as last reported. */
  faults: number;
  faultBits: number;
  /** Parser diagnostics plus port errors. */
  errors: number;
  /** Successful reopens after the first open. */
  reconnects: number;
  /** Open attempts that failed since the last successful open. */
  failedOpens: number;
  listError: string | null;
  lastError: string | null;
  /** Delay of the scheduled reopen, when one is scheduled. */
  retryInMs: number | null;
  driver: DriverHealth;
}

export interface ConnectionEvents<F extends DeviceFrame> {
  frame: F;
  health: ConnectionHealth;
  connected: string;
  disconnected: string;
}

export interface DeviceConnectionOptions<F extends DeviceFrame> {
  /** For logs and health, e.g. `finishing-md-1`. */
  name: string;
  locator: DeviceLocatorInput;
  driver: Driver<F>;
  baudRate?: number;
  /** Defaults to the native binding; tests pass `@serialport/binding-mock` (or a `MockSerialBus`). */
  binding?: SerialBinding;
  /** Defaults to `binding.list`. */
  list?: PortLister;
  backoff?: z.input<typeof BackoffSchema>;
  now?: () => number;
}

type Listener<T> = (value: T) => void;

/**
 * One device on one port: opens it, feeds its bytes to the driver, emits the driver's frames, notices unplug and
 * reopens with capped exponential backoff. Nothing here throws into the caller; failures land in `health()`.
 */
export class DeviceConnection<F extends DeviceFrame = DeviceFrame> {
  readonly name: string;
  readonly driver: Driver<F>;
  private readonly locator: DeviceLocator;
  private readonly baudRate: number;
  private readonly binding: SerialBinding;
  private readonly list: PortLister;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly listeners: { [K in keyof ConnectionEvents<F>]: Set<Listener<ConnectionEvents<F>[K]>> } = {
    frame: new Set(),
    health: new Set(),
    connected: new Set(),
    disconnected: new Set(),
  };
  private port: SerialPortStream | null = null;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private everOpened = false;
  private state: Omit<ConnectionHealth, 'driver' | 'errors' | 'name'> & { portErrors: number } = {
    connected: false,
    path: null,
    lastFrameAt: null,
    faults: 0,
    faultBits: 0,
    reconnects: 0,
    failedOpens: 0,
    listError: null,
    lastError: null,
    retryInMs: null,
    portErrors: 0,
  };

  constructor(options: DeviceConnectionOptions<F>) {
    this.name = options.name;
    this.driver = options.driver;
    this.locator = DeviceLocatorSchema.parse(options.locator);
    this.baudRate = options.baudRate ?? 9600;
    this.binding = options.binding ?? SerialPort.binding;
    const binding = this.binding;
    this.list = options.list ?? (() => binding.list());
    this.backoff = BackoffSchema.parse(options.backoff ?? {});
    this.now = options.now ?? Date.now;
  }

  on<K extends keyof ConnectionEvents<F>>(event: K, listener: Listener<ConnectionEvents<F>[K]>): () => void {
    const set = this.listeners[event] as Set<Listener<ConnectionEvents<F>[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  health(): ConnectionHealth {
    const driver = this.driver.health();
    const { portErrors, ...rest } = this.state;
    return { name: this.name, ...rest, errors: driver.errors + portErrors, driver };
  }

  get connected(): boolean {
    return this.state.connected;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.attempt();
  }

  /**
   * Sends bytes to the device (a request such as test mode). Rejects when the port is not open, the write fails, or it
   * has not drained within `timeoutMs` (a stuck port must not stall whoever waits for it).
   */
  write(bytes: Uint8Array, timeoutMs = 2000): Promise<void> {
    const port = this.port;
    if (!port || !this.state.connected) return Promise.reject(new Error(`${this.name} is not connected`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writing to ${this.name} timed out`)), timeoutMs);
      const done = (err?: Error | null) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      port.write(Buffer.from(bytes), (err) => (err ? done(err) : port.drain((e) => done(e))));
    });
  }

  /** Closes the port and stops reopening. Resolves once the port is closed. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.state.retryInMs = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    if (this.state.connected) {
      this.state.connected = false;
      this.emit('disconnected', 'stopped');
    }
    this.emitHealth();
  }

  private emit<K extends keyof ConnectionEvents<F>>(event: K, value: ConnectionEvents<F>[K]): void {
    for (const listener of this.listeners[event] as Set<Listener<ConnectionEvents<F>[K]>>) {
      try {
        listener(value);
      } catch (err) {
        // A listener's bug must not stop the port from being read; it is visible in health instead.
        this.portError(`listener for ${String(event)} threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private emitHealth(): void {
    if (this.listeners.health.size > 0) this.emit('health', this.health());
  }

  private portError(message: string): void {
    this.state.portErrors++;
    this.state.lastError = message;
  }

  private scheduleRetry(): void {
    if (!this.running || this.timer) return;
    const delay = backoffDelay(this.backoff, this.state.failedOpens);
    this.state.retryInMs = delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.state.retryInMs = null;
      void this.attempt();
    }, delay);
    this.emitHealth();
  }

  private openFailed(message: string): void {
    this.state.failedOpens++;
    this.state.lastError = message;
    this.scheduleRetry();
  }

  private async attempt(): Promise<void> {
    if (!this.running || this.port) return;
    const found = await findDevicePath(this.locator, this.list);
    this.state.listError = found.listError;
    if (!this.running) return;
    if (!found.path) {
      this.openFailed('device not found');
      return;
    }
    const path = found.path;
    let port: SerialPortStream;
    try {
      port = new SerialPortStream({ binding: this.binding, path, baudRate: this.baudRate, autoOpen: false });
    } catch (err) {
      this.openFailed(`cannot create port ${path}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    // Errors after open (a write, a failed close) are recorded; a disconnect arrives as 'close' below.
    port.on('error', (err: Error) => this.portError(`port error: ${err.message}`));
    port.on('close', (err: Error | null) => this.onClose(port, err));
    port.open((err) => {
      if (err) {
        if (this.port === port) this.port = null;
        port.removeAllListeners();
        this.openFailed(`cannot open ${path}: ${err.message}`);
        return;
      }
      if (!this.running || this.port !== port) {
        port.close();
        return;
      }
      if (this.everOpened) this.state.reconnects++;
      this.everOpened = true;
      this.state.failedOpens = 0;
      this.state.connected = true;
      this.state.path = path;
      this.driver.resetStream();
      this.emit('connected', path);
      this.emitHealth();
    });
  }

  private onClose(port: SerialPortStream, err: Error | null): void {
    port.removeAllListeners();
    if (this.port !== port) return;
    this.port = null;
    const reason = err ? `disconnected: ${err.message}` : 'closed';
    this.state.connected = false;
    this.state.lastError = reason;
    // A half-received frame must not be completed by bytes from after the reconnect.
    this.driver.resetStream();
    this.emit('disconnected', reason);
    this.scheduleRetry();
  }

  private onData(chunk: Buffer): void {
    let frames: F[];
    try {
      frames = this.driver.push(chunk);
    } catch (err) {
      // Drivers promise not to throw; if one does, the bytes are lost but the connection lives.
      this.portError(`driver threw: ${err instanceof Error ? err.message : String(err)}`);
      this.driver.resetStream();
      return;
    }
    for (const frame of frames) {
      if (frame.kind !== 'error' && frame.kind !== 'gap') this.state.lastFrameAt = this.now();
      if (frame.kind === 'fault') {
        this.state.faults++;
        this.state.faultBits = frame.bits;
      }
      this.emit('frame', frame);
    }
    if (frames.length > 0) this.emitHealth();
  }
}
