import { SerialPortMock } from 'serialport';
import type { PortInfo, SerialBinding } from './ports';

/**
 * Serial devices without a pty: a binding built on `@serialport/binding-mock` that a `DeviceConnection` opens like
 * any port, plus what the mock lacks: the device writing bytes *to* the station (`emit`) and reading what the
 * station writes to it (`onWrite`), a USB serial number to find it by, and unplug/replug (a pending read fails the way a pulled USB adapter's does, so the stream reports a
 * disconnect and the connection has to reopen).
 *
 * `MockBinding` keeps one process-wide port table, so give each bus its own paths.
 */

export interface MockDeviceInfo {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
}

interface OpenRequest {
  path: string;
  baudRate: number;
}

/*
 * `@serialport/binding-mock` publishes its types without an `exports` types entry (TypeScript's Bundler resolution
 * cannot see them), so these are the parts of its API this bus uses. `serialport` re-exports the same binding.
 */
interface InnerPort {
  readonly openOptions: object;
  isOpen: boolean;
  close(): Promise<void>;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  update(options: { baudRate: number }): Promise<void>;
  set(options: object): Promise<void>;
  get(): Promise<object>;
  getBaudRate(): Promise<{ baudRate: number }>;
  flush(): Promise<void>;
  drain(): Promise<void>;
  emitData(data: Buffer): void;
}
interface MockBindingApi {
  createPort(path: string, options?: { echo?: boolean; record?: boolean }): void;
  open(options: OpenRequest): Promise<InnerPort>;
}
const MockBinding: MockBindingApi = SerialPortMock.binding;

class UnpluggedError extends Error {
  // Read by @serialport/stream: a non-canceled read error means the device went away.
  readonly disconnect = true;
}

/** Wraps one open mock port so the bus can fail its reads on unplug. */
class BusPort {
  private unplugged: (err: Error) => void = () => {};
  private readonly gone: Promise<never>;

  constructor(
    readonly inner: InnerPort,
    /** Told of every write the station makes to this port (the device reading it). */
    private readonly written: (bytes: Uint8Array) => void,
  ) {
    this.gone = new Promise<never>((_, reject) => {
      this.unplugged = reject;
    });
    // The rejection is delivered through read(); this handler only keeps it from counting as unhandled.
    this.gone.catch(() => {});
  }

  get openOptions() {
    return this.inner.openOptions;
  }
  get isOpen() {
    return this.inner.isOpen;
  }
  unplug(): void {
    this.unplugged(new UnpluggedError('device unplugged'));
  }
  close() {
    return this.inner.isOpen ? this.inner.close() : Promise.resolve();
  }
  read(buffer: Buffer, offset: number, length: number) {
    return Promise.race([this.inner.read(buffer, offset, length), this.gone]);
  }
  write(buffer: Buffer) {
    return Promise.race([
      this.inner.write(buffer).then(() => {
        this.written(Uint8Array.from(buffer));
      }),
      this.gone,
    ]);
  }
  update(options: Parameters<InnerPort['update']>[0]) {
    return this.inner.update(options);
  }
  set(options: Parameters<InnerPort['set']>[0]) {
    return this.inner.set(options);
  }
  get() {
    return this.inner.get();
  }
  getBaudRate() {
    return this.inner.getBaudRate();
  }
  flush() {
    return this.inner.flush();
  }
  drain() {
    return this.inner.drain();
  }
}

interface BusDevice {
  info: PortInfo;
  plugged: boolean;
  open: BusPort | null;
  /** Listeners for what the station writes to the device. */
  readers: Set<(bytes: Uint8Array) => void>;
}

export class MockSerialBus {
  private readonly devices = new Map<string, BusDevice>();

  /** Pass this as `binding` to a `DeviceConnection`. */
  readonly binding: SerialBinding = {
    list: async () => [...this.devices.values()].filter((d) => d.plugged).map((d) => ({ ...d.info })),
    open: async (options: OpenRequest) => {
      const device = this.devices.get(options.path);
      if (!device || !device.plugged) throw new Error(`ENOENT: no such device ${options.path}`);
      const port = new BusPort(await MockBinding.open(options), (bytes) => {
        for (const read of device.readers) read(bytes);
      });
      device.open = port;
      return port;
    },
  };

  addDevice(path: string, info: MockDeviceInfo = {}): void {
    MockBinding.createPort(path, { echo: false, record: false });
    this.devices.set(path, {
      info: {
        path,
        manufacturer: info.manufacturer ?? 'Quty simulator',
        serialNumber: info.serialNumber,
        vendorId: info.vendorId,
        productId: info.productId,
        pnpId: undefined,
        locationId: undefined,
      },
      plugged: true,
      open: null,
      readers: new Set(),
    });
  }

  /** The device sends bytes to the station. False when nobody has the port open (bytes lost, as on a wire). */
  emit(path: string, bytes: Uint8Array): boolean {
    const port = this.devices.get(path)?.open;
    if (!port || !port.isOpen) return false;
    port.inner.emitData(Buffer.from(bytes));
    return true;
  }

  /** The device reads what the station writes to it (e.g. a test-mode request); returns the unsubscribe. */
  onWrite(path: string, listener: (bytes: Uint8Array) => void): () => void {
    const device = this.devices.get(path);
    if (!device) throw new Error(`no device ${path} on this bus`);
    device.readers.add(listener);
    return () => device.readers.delete(listener);
  }

  isOpen(path: string): boolean {
    return this.devices.get(path)?.open?.isOpen ?? false;
  }

  unplug(path: string): void {
    const device = this.devices.get(path);
    if (!device) return;
    device.plugged = false;
    device.open?.unplug();
    device.open = null;
  }

  /** Plug back in, optionally under a new path (a different USB port), keeping its USB identity. */
  replug(path: string, newPath: string = path): void {
    const device = this.devices.get(path);
    if (!device) return;
    if (newPath !== path) {
      this.devices.delete(path);
      MockBinding.createPort(newPath, { echo: false, record: false });
      this.devices.set(newPath, { info: { ...device.info, path: newPath }, plugged: true, open: null, readers: device.readers });
      return;
    }
    device.plugged = true;
  }
}
