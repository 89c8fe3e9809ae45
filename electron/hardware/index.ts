/**
 * The hardware bridge's public surface, for the station core. The renderer imports `./wedge` directly instead
 * (this barrel pulls in `serialport`, which is Node-only).
 */
export * from './driver';
export { LineDetectorDriver, LineDetectorConfigSchema, createLineDetector, type LineDetectorConfig, type LineDetectorConfigInput } from './line-detector';
export {
  FramedDetectorDriver,
  FramedDetectorConfigSchema,
  createFramedDetector,
  xorChecksum,
  STX,
  ETX,
  type FramedDetectorConfig,
  type FramedDetectorConfigInput,
  type FramedMessageType,
} from './framed-detector';
export { ScannerDriver, ScannerConfigSchema, createScanner, splitAimPrefix, type ScannerConfig, type ScannerConfigInput } from './scanner';
export { createWedgeDetector, WedgeConfigSchema, type WedgeConfig, type WedgeDetector, type WedgeOutput, type KeyInput } from './wedge';
export {
  DeviceConnection,
  DeviceLocatorSchema,
  BackoffSchema,
  backoffDelay,
  findDevicePath,
  matchesLocator,
  type ConnectionHealth,
  type ConnectionEvents,
  type DeviceConnectionOptions,
  type DeviceLocator,
  type DeviceLocatorInput,
  type FoundPort,
  type PortInfo,
  type PortLister,
  type SerialBinding,
} from './ports';
