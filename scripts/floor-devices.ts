/**
 * Simulated devices for the demo floor, on in-process mock serial ports (no pty needed): every station has a
 * barcode scanner port; finishing has a framed metal detector that runs a verification with certified test pieces
 * at start-up and whenever the station asks for one (`verification.start`: it answers the test-mode request with
 * its certified pieces), and reports a pass every few seconds. The bytes are the real protocol (electron/hardware), the
 * bridge and the station core treat them exactly as they would a device on a cable.
 *
 * QSF_FLOOR_PASS_MS     detector pass interval (default 4000; 0 = no passes)
 * QSF_FLOOR_DETECT_MS   if set, a detection every so many ms (halts the line until a supervisor releases it)
 */
import { PLACE_CODE, type Department } from '../shared/master';
import type { RuntimePart } from '../electron/kiosk/run';
import type { DeviceConfigInput } from '../electron/core/config';
import { startHardwareBridge } from '../electron/hardware/bridge';
import { MockSerialBus } from '../electron/hardware/mock-bus';
import { CERTIFIED_PIECES, FramedDetectorSimulator } from '../electron/hardware/simulator';

/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;

export function floorDevices(department: Department): RuntimePart[] {
  const part: RuntimePart = async (core) => {
    const bus = new MockSerialBus();
    const scannerPath = `/dev/mock-scanner-${CODE[department].toLowerCase()}`;
    bus.addDevice(scannerPath, { vendorId: '05e0', productId: '1200', serialNumber: `SCN-${CODE[department]}` });
    const devices: DeviceConfigInput[] = [{ driver: 'scanner', deviceId: `SCN-${CODE[department]}`, path: scannerPath }];
    const detectorPath = '/dev/mock-detector-fin';
    if (department === 'finishing') {
      bus.addDevice(detectorPath, { vendorId: '0403', productId: '6001', serialNumber: 'MD01' });
      devices.push({ driver: 'framed-detector', deviceId: 'MD01', path: detectorPath });
    }
    const bridge = startHardwareBridge(core, devices, { binding: bus.binding });
    const timers: ReturnType<typeof setInterval>[] = [];
    const stops: (() => void)[] = [];
    if (department === 'finishing') {
      const sim = new FramedDetectorSimulator('MD01');
      const send = (e: Parameters<FramedDetectorSimulator['encode']>[0]) => bus.emit(detectorPath, sim.encode(e));
      // Start-up verification with the certified pieces, once the port is open.
      setTimeout(() => {
        send({ kind: 'powerOn' });
        for (const piece of CERTIFIED_PIECES) send(piece);
      }, 1_000);
      // A verification started at the station: the detector runs its certified pieces (a moment apart, as by hand),
      // each numbered as it is sent, and runs no product while in test mode.
      let testPiecesLeft = 0;
      const unsubscribe = bus.onWrite(detectorPath, (bytes) => {
        const pieces = sim.runsAsked(bytes).flat();
        testPiecesLeft += pieces.length;
        pieces.forEach((piece, i) =>
          timers.push(
            setTimeout(() => {
              testPiecesLeft -= 1;
              send(piece);
            }, 500 * (i + 1)),
          ),
        );
      });
      stops.push(unsubscribe);
      const passMs = Number(process.env.QSF_FLOOR_PASS_MS ?? 4_000);
      if (passMs > 0) timers.push(setInterval(() => testPiecesLeft === 0 && send({ kind: 'pass' }), passMs));
      const detectMs = Number(process.env.QSF_FLOOR_DETECT_MS ?? 0);
      if (detectMs > 0) timers.push(setInterval(() => send({ kind: 'detection', metal: 'fe' }), detectMs));
    }
    return {
      stop: async () => {
        for (const t of timers) clearInterval(t);
        for (const s of stops) s();
        await bridge.stop();
      },
    };
  };
  return [part];
}
