/**
 * The hardware bridge: the station's serial devices feeding the station core. A thin composition, per device:
 *   device-setup.ts          config -> a `DeviceConnection` with its driver (a bad config throws at start)
 *   device-queue.ts          the device's frames handled strictly one after another: a detection's `md.detection` is
 *                            committed durably by the core before the next frame from that detector is looked at
 *   recorder.ts              frame -> event (the mapping table is there)
 *   verification-run.ts      test pieces gathered into one run, judged by shared/rules/verification.ts; a run started
 *                            at the station (`verification.start`, through `DetectorControl`) asks the detector for
 *                            test mode first (host-request.ts)
 *   device-health.ts         what the frames came to, joined with the connection's health, pushed to the screen
 * and for the line: verification-overdue.ts, a timer that every `checkIntervalMs` records `md.verificationOverdue`
 * once per overdue period when the line's last passing verification is older than the hourly interval.
 */
import type { z } from 'zod';
import type { DetectorControl, StationHardwarePort, VerificationRequest, VerificationStart } from '../core/ports';
import type { DeviceConfigInput } from '../core/config';
import { DeviceTally, HealthPublisher, deviceHealth, type BridgeDeviceHealth } from './device-health';
import { DeviceQueue } from './device-queue';
import { connectDevice, parseDevices, testModeRequest } from './device-setup';
import type { BackoffSchema, DeviceConnection, PortLister, SerialBinding } from './ports';
import { FrameRecorder, deviceRecorder, errorText, type Log, type RecordAction } from './recorder';
import { OverdueCheck } from './verification-overdue';
import { LineRunHistory, VerificationRun } from './verification-run';

export type { BridgeDeviceHealth } from './device-health';

export interface HardwareBridgeOptions {
  /** Serial binding (default: the native one); tests pass a `MockSerialBus` binding. */
  binding?: SerialBinding;
  list?: PortLister;
  backoff?: z.input<typeof BackoffSchema>;
  /** Station clock for the verification timer, run timestamps and health (tests move it forward). */
  now?: () => number;
  /** How often to check for an overdue verification; default the station config's `verificationCheckMs` (60 s). */
  checkIntervalMs?: number;
  /** Log sink for problems worth a line in the station log. */
  log?: Log;
}

export interface HardwareBridge {
  /** Closes every port and stops the timers; a verification run still being collected is recorded as failed. */
  stop(): Promise<void>;
  health(): BridgeDeviceHealth[];
  /** Resolves once every frame received so far has been handled (tests, benchmarks). */
  idle(): Promise<void>;
  /** Runs the overdue-verification check now instead of waiting for the timer. */
  checkVerification(): Promise<void>;
  /** Starts a verification run on a detector, as `verification.start` does through the core. */
  startVerification(request: VerificationRequest): Promise<VerificationStart>;
}

/** One configured device with everything that handles its frames. */
interface Device {
  deviceId: string;
  isDetector: boolean;
  conn: DeviceConnection;
  queue: DeviceQueue;
  tally: DeviceTally;
  record: RecordAction;
  verification: VerificationRun;
  recorder: FrameRecorder;
}

/**
 * Starts one connection per configured device and feeds the station core. Throws at once on a device config the
 * drivers cannot use (so a bad config stops the station at start, naming the device); never throws afterwards.
 */
export function startHardwareBridge(core: StationHardwarePort, devices: readonly DeviceConfigInput[], opts: HardwareBridgeOptions = {}): HardwareBridge {
  const now = opts.now ?? Date.now;
  const lineId = core.station.lineId;
  const log = opts.log ?? (() => {});
  const configs = parseDevices(devices);
  let stopped = false;

  const line = () => core.lineStatus(lineId);
  const occupant = (): string | null => line()?.occupant?.workOrderId ?? null;
  const history = new LineRunHistory(occupant);

  const list: Device[] = [];
  const health = (): BridgeDeviceHealth[] =>
    list.map((d) => deviceHealth({ deviceId: d.deviceId, family: d.conn.driver.family, tally: d.tally, backlog: d.queue.backlog, run: d.verification.view(), connection: d.conn.health() }));
  const publish = new HealthPublisher(health, (views) => core.setHardware(views));

  for (const config of configs) {
    const conn = connectDevice(config, { ...opts, now });
    const { deviceId } = config;
    const tally = new DeviceTally();
    const queue = new DeviceQueue((err) => tally.failed(`frame handling failed: ${errorText(err)}`));
    const record = deviceRecorder({ core, deviceId, tally, log });
    const request = testModeRequest(config);
    const verification = new VerificationRun({
      lineId,
      deviceId,
      settings: config.verification,
      history,
      now,
      record,
      problem: (message) => {
        tally.lastProblem = message;
      },
      enqueue: (task) => queue.enqueue(task),
      changed: publish.soon,
      requestTestMode: request ? () => conn.write(request) : null,
    });
    const recorder = new FrameRecorder({
      core,
      lineId,
      deviceId,
      tally,
      record,
      verification,
      occupant,
      faultRegister: () => conn.health().faultBits,
      stopping: () => stopped,
    });
    list.push({ deviceId, isDetector: conn.driver.family !== 'scanner', conn, queue, tally, record, verification, recorder });
  }

  // The overdue check runs on the first detector's queue, so its event is ordered with that detector's frames.
  const timerDevice = list.find((d) => d.isDetector);
  const overdue = new OverdueCheck(lineId, line, now);
  function checkVerification(): Promise<void> {
    if (!timerDevice || stopped) return Promise.resolve();
    return timerDevice.queue.enqueue(() => overdue.check(timerDevice.deviceId, timerDevice.record)).then(publish.soon);
  }
  const interval = timerDevice ? setInterval(() => void checkVerification(), opts.checkIntervalMs ?? core.config.verificationCheckMs) : null;

  const detectors = list.filter((d) => d.isDetector);
  const names = detectors.map((d) => d.deviceId).join(', ');
  async function startVerification(request: VerificationRequest): Promise<VerificationStart> {
    const d = request.deviceId === undefined && detectors.length === 1 ? detectors[0] : detectors.find((x) => x.deviceId === request.deviceId);
    if (stopped || detectors.length === 0) return { ok: false, code: 'not_found', message: 'no metal detector is connected to this station' };
    if (!d && request.deviceId === undefined) return { ok: false, code: 'bad_request', message: `this station has ${detectors.length} detectors: name one (${names})` };
    if (!d) return { ok: false, code: 'not_found', message: `no detector ${request.deviceId ?? ''} at this station (${names})` };
    if (!d.conn.connected) return { ok: false, code: 'refused', message: `detector ${d.deviceId} is not connected: check its cable, then start again` };
    const started = await d.verification.start(request);
    publish.now();
    return started;
  }
  const control: DetectorControl = {
    startVerification,
    runs: () => detectors.flatMap((d) => {
      const run = d.verification.view();
      return run ? [{ deviceId: d.deviceId, ...run }] : [];
    }),
  };
  const detach = detectors.length > 0 ? core.attachDetectors(control) : () => undefined;

  for (const d of list) {
    d.conn.on('frame', (frame) => {
      if (stopped) return;
      void d.queue.enqueue(() => d.recorder.handle(frame)).then(publish.soon);
    });
    d.conn.on('connected', publish.now);
    d.conn.on('disconnected', publish.now);
    d.conn.on('health', publish.soon);
    d.conn.start();
  }
  publish.now();

  async function idle(): Promise<void> {
    while (list.some((d) => d.queue.backlog > 0)) await Promise.all(list.map((d) => d.queue.idle));
  }

  return {
    health,
    idle,
    checkVerification,
    startVerification,
    async stop() {
      if (stopped) return;
      stopped = true;
      detach();
      if (interval) clearInterval(interval);
      await Promise.all(list.map((d) => d.conn.stop()));
      for (const d of list) d.verification.interrupt();
      await idle();
      publish.now();
    },
  };
}
