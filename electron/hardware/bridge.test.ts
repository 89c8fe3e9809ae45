import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceScanView } from '../../shared/api';
import type { EventOf } from '../../shared/events';
import type { DeviceConfigInput } from '../core/config';
import { TEST_PIN, rosterDocuments, tempDir } from '../core/testing';
import { startHardwareBridge, type HardwareBridge, type HardwareBridgeOptions } from './bridge';
import { FIN_LINE, openFinishingStation, until, type FinishingStation } from './testing/bridge';
import { HostRequestReader } from './host-request';
import { MockSerialBus } from './mock-bus';
import { FramedDetectorSimulator, encodeLine, encodeScan, type DetectorEvent } from './simulator';

/*
 * The bridge's frame -> event mapping on `MockSerialBus` ports (fast, no pty): what each frame kind becomes, the
 * verification run's trigger, the overdue timer, scans and config errors. The real-pty safety flow is in
 * tests/integration/safety.test.ts.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let nextPort = 0;

interface Rig extends FinishingStation {
  bridge: HardwareBridge;
  bus: MockSerialBus;
  /** Sends bytes as the device at `path` and waits until the bridge has handled them. */
  send(path: string, ...chunks: Uint8Array[]): Promise<void>;
}

async function rig(devices: (paths: string[]) => DeviceConfigInput[], deviceCount = 1, opts: HardwareBridgeOptions = {}): Promise<Rig> {
  const t = tempDir('qsf-bridge-');
  cleanups.push(t.cleanup);
  const st = await openFinishingStation(t.dir);
  cleanups.push(() => st.core.close());
  const bus = new MockSerialBus();
  const paths = Array.from({ length: deviceCount }, () => `/dev/mock-bridge-${process.pid}-${nextPort++}`);
  for (const p of paths) bus.addDevice(p);
  const configs = devices(paths);
  const bridge = startHardwareBridge(st.core, configs, { binding: bus.binding, backoff: { initialMs: 10, maxMs: 40 }, checkIntervalMs: 3_600_000, ...opts });
  cleanups.push(() => bridge.stop());
  await until(() => bridge.health().every((h) => h.connected), 5000, 'devices connected');
  const sent = new Map<string, number>();
  const send = async (path: string, ...chunks: Uint8Array[]) => {
    const i = paths.indexOf(path);
    const id = configs[i]?.deviceId;
    for (const c of chunks) {
      bus.emit(path, c);
      sent.set(path, (sent.get(path) ?? 0) + c.length);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => bridge.health().find((h) => h.deviceId === id)?.connection.driver.bytesIn === sent.get(path), 5000, 'bytes read');
    await bridge.idle();
  };
  return { ...st, bridge, bus, send };
}

const framed = (deviceId: string, extra: Partial<DeviceConfigInput> = {}) => (paths: string[]): DeviceConfigInput[] => [
  { driver: 'framed-detector', deviceId, path: paths[0], ...extra },
];

const verify = (metal: 'fe' | 'nonfe' | 'stainless', result: 'pass' | 'fail' = 'pass'): DetectorEvent => ({
  kind: 'verification',
  metal,
  sizeMm: metal === 'fe' ? 1.0 : metal === 'nonfe' ? 1.5 : 2.0,
  pieceId: `TP-${metal}`,
  result,
});
const fullRun = (sim: FramedDetectorSimulator, failing?: 'fe' | 'nonfe' | 'stainless') =>
  (['fe', 'nonfe', 'stainless'] as const).map((m) => sim.encode(verify(m, m === failing ? 'fail' : 'pass')));

const ofType = (r: FinishingStation, type: string) => r.events.filter((e) => e.type === type);

describe('hardware bridge: frames to events', () => {
  it('collects one verification run into one md.verification, with the right trigger each time', async () => {
    const r = await rig(framed('MD01'));
    const sim = new FramedDetectorSimulator('MD01');
    const path = r.bridge.health()[0]?.connection.path as string;

    await r.send(path, ...fullRun(sim));
    const runs = () => r.events.filter((e): e is EventOf<'md.verification'> => e.type === 'md.verification');
    expect(runs()).toHaveLength(1);
    expect(runs()[0]?.payload).toMatchObject({ lineId: FIN_LINE, deviceId: 'MD01', trigger: 'startup', result: 'pass' });
    expect(runs()[0]?.payload.pieces).toEqual([
      { metal: 'fe', sizeMm: 1, pieceId: 'TP-fe', detected: true },
      { metal: 'nonfe', sizeMm: 1.5, pieceId: 'TP-nonfe', detected: true },
      { metal: 'stainless', sizeMm: 2, pieceId: 'TP-stainless', detected: true },
    ]);
    expect(r.core.view().line?.verification.status).toBe('ok');

    await r.send(path, ...fullRun(sim));
    expect(runs()[1]?.payload.trigger).toBe('hourly');

    await r.send(path, sim.encode({ kind: 'powerOn' }));
    expect(ofType(r, 'md.powerOn')).toHaveLength(1);
    expect(r.core.view().line?.verification.status).toBe('due');
    await r.send(path, ...fullRun(sim));
    expect(runs()[2]?.payload.trigger).toBe('power_on');

    // Another lot on the line (as a clearance and the next lot's first piece would leave it).
    const line = r.core.lineStatus(FIN_LINE);
    if (!line?.occupant) throw new Error('fixture: no occupant');
    await r.core.seedDocuments([{ kind: 'line', id: FIN_LINE, body: { ...line, occupant: { ...line.occupant, workOrderId: 'FIN-OTHER-LOT' } } }]);
    await r.send(path, ...fullRun(sim));
    expect(runs()[3]?.payload.trigger).toBe('lot_start');
    await r.send(path, ...fullRun(sim));
    expect(runs()[4]?.payload.trigger).toBe('hourly');
  });

  it('a run missing a metal fails when it times out; a power-on mid-run fails the run too', async () => {
    const r = await rig(framed('MD01', { verification: { timeoutMs: 150 } }));
    const sim = new FramedDetectorSimulator('MD01');
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, sim.encode(verify('fe')), sim.encode(verify('stainless')));
    expect(ofType(r, 'md.verification')).toHaveLength(0);
    expect(r.bridge.health()[0]?.verificationRun).toMatchObject({ metals: ['fe', 'stainless'], pieces: 2 });
    await until(() => ofType(r, 'md.verification').length === 1, 3000, 'timed-out run');
    const run = ofType(r, 'md.verification')[0] as EventOf<'md.verification'>;
    expect(run.payload).toMatchObject({ result: 'fail', trigger: 'startup' });
    expect(run.payload.pieces.map((p) => [p.metal, p.pieceId, p.detected])).toEqual([
      ['fe', 'TP-fe', true],
      ['stainless', 'TP-stainless', true],
      ['nonfe', 'NOT-TESTED-nonfe', false],
    ]);
    expect(r.core.view().line?.verification.status).toBe('failed');
    expect(r.bridge.health()[0]?.message).toMatch(/timed out without nonfe/);

    await r.send(path, sim.encode(verify('fe')), sim.encode({ kind: 'powerOn' }));
    const types = r.events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['md.verification', 'md.powerOn']);
    expect((r.events.at(-2) as EventOf<'md.verification'>).payload).toMatchObject({ result: 'fail', trigger: 'hourly' });
  });

  it('uses configured certified pieces when the detector sends no size or id; ignores unknown-metal pieces', async () => {
    const r = await rig(framed('MD01', { verification: { requiredMetals: ['fe'], testPieces: [{ metal: 'fe', sizeMm: 1.2, pieceId: 'CERT-FE-7' }] } }));
    const sim = new FramedDetectorSimulator('MD01');
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, sim.encode({ kind: 'verification', metal: 'unknown', result: 'pass' }));
    expect(ofType(r, 'md.verification')).toHaveLength(0);
    expect(r.bridge.health()[0]?.message).toMatch(/unknown metal/);
    await r.send(path, sim.encode({ kind: 'verification', metal: 'fe', result: 'pass' }));
    expect((ofType(r, 'md.verification')[0] as EventOf<'md.verification'>).payload.pieces).toEqual([{ metal: 'fe', sizeMm: 1.2, pieceId: 'CERT-FE-7', detected: true }]);
  });

  it('a device config may add metals to the floor minimum but not drop Fe: the run waits for Fe and records what it required', async () => {
    const r = await rig(framed('MD01', { verification: { requiredMetals: ['stainless'] } }));
    const sim = new FramedDetectorSimulator('MD01');
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, sim.encode(verify('stainless')));
    expect(ofType(r, 'md.verification')).toHaveLength(0);
    await r.send(path, sim.encode(verify('fe')));
    expect((ofType(r, 'md.verification')[0] as EventOf<'md.verification'>).payload).toMatchObject({ result: 'pass', requiredMetals: ['fe', 'stainless'] });
    expect(r.core.view().line?.verification.status).toBe('ok');
  });

  it('faults (also cleared), gaps and a suspected detection become md.fault; counters and noise stay in health', async () => {
    const r = await rig((p) => [
      { driver: 'framed-detector', deviceId: 'MD01', path: p[0] },
      { driver: 'line-detector', deviceId: 'MD02', path: p[1] },
    ], 2);
    const [p1, p2] = r.bridge.health().map((h) => h.connection.path as string) as [string, string];
    const sim = new FramedDetectorSimulator('MD01');
    await r.send(p1, sim.encode({ kind: 'fault', bits: 0x08 }), sim.encode({ kind: 'fault', bits: 0 }), sim.encode({ kind: 'counters' }));
    sim.jumpTo(sim.nextMsgNo + 3);
    await r.send(p1, sim.encode({ kind: 'counters' }));
    const faults = () => r.events.filter((e): e is EventOf<'md.fault'> => e.type === 'md.fault').map((e) => e.payload);
    expect(faults()).toEqual([
      { lineId: FIN_LINE, deviceId: 'MD01', bits: 0x08, description: 'belt stopped' },
      { lineId: FIN_LINE, deviceId: 'MD01', bits: 0, description: 'faults cleared' },
      { lineId: FIN_LINE, deviceId: 'MD01', bits: 0, description: 'messages 0003-0005 lost (3): a lost message may have been a detection', suspectedDetection: true },
    ]);

    const enc = new TextEncoder();
    await r.send(p2, enc.encode('MD02,FAIL,FE,bad time!\r\n'), enc.encode('MD02,HELLO\r\n'), enc.encode('\x01\x02zz\r\n'));
    expect(faults()).toHaveLength(4);
    expect(faults()[3]).toMatchObject({ deviceId: 'MD02', bits: 0, suspectedDetection: true, description: expect.stringMatching(/^unreadable message that looked like a detection: MD02,FAIL,FE,bad time!/) });
    expect(r.bridge.health()[1]?.errors).toBe(3);
    expect(r.events.filter((e) => e.type !== 'md.fault')).toHaveLength(0);
  });

  it('passes with no work order on the line are not recorded, and health says so', async () => {
    const r = await rig((p) => [{ driver: 'line-detector', deviceId: 'MD01', path: p[0] }]);
    const line = r.core.lineStatus(FIN_LINE);
    await r.core.seedDocuments([{ kind: 'line', id: FIN_LINE, body: { ...line, occupant: null } }]);
    const seen: (string | null)[] = [];
    r.core.subscribe('hardware', (h) => seen.push(h[0]?.message ?? null));
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, encodeLine({ kind: 'pass' }), encodeLine({ kind: 'pass' }));
    expect(r.events).toHaveLength(0);
    expect(r.bridge.health()[0]).toMatchObject({ passesNotRecorded: 2, message: 'no work order on line: passes not recorded (2)' });
    await until(() => seen.at(-1) === 'no work order on line: passes not recorded (2)', 2000, 'health pushed');
    // A detection is recorded all the same (no work order to name): the line halts.
    await r.send(path, encodeLine({ kind: 'detection', metal: 'nonfe' }));
    expect(r.events.map((e) => e.type)).toEqual(['md.detection']);
    expect(r.events[0]?.payload).toEqual({ lineId: FIN_LINE, deviceId: 'MD01', metal: 'nonfe' });
    expect(r.core.view().line?.halt?.cause).toBe('detection');
  });

  it('an overdue verification is recorded once per overdue period, and the next passes are held', async () => {
    let skew = 0;
    const r = await rig(framed('MD01'), 1, { now: () => Date.now() + skew });
    const sim = new FramedDetectorSimulator('MD01');
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.bridge.checkVerification(); // never verified: nothing to say "overdue" about (status is already due)
    await r.send(path, ...fullRun(sim), sim.encode({ kind: 'pass' }));
    await r.bridge.checkVerification();
    expect(ofType(r, 'md.verificationOverdue')).toHaveLength(0);

    skew = 61 * 60 * 1000;
    await r.bridge.checkVerification();
    await r.bridge.checkVerification();
    const overdue = ofType(r, 'md.verificationOverdue') as EventOf<'md.verificationOverdue'>[];
    expect(overdue).toHaveLength(1);
    const passAt = r.events.find((e) => e.type === 'md.verification')?.hlc as string;
    expect(overdue[0]?.payload.dueAtMs).toBe(Number(passAt.slice(0, 13)) + 60 * 60 * 1000);
    expect(r.core.view().line?.verification.status).toBe('due');
    expect(r.core.view().holds[0]?.items).toEqual({ [r.workOrderId]: 1 });

    await r.send(path, sim.encode({ kind: 'pass' }));
    expect(r.core.view().holds[0]?.items).toEqual({ [r.workOrderId]: 2 });
  });

  it('serial scans are classified and pushed to the screen on the scan topic', async () => {
    const r = await rig((p) => [{ driver: 'scanner', deviceId: 'SC01', path: p[0] }]);
    const scans: (DeviceScanView | null)[] = [];
    r.core.subscribe('scan', (s) => scans.push(s));
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, encodeScan({ symbology: null, data: 'B:OP-FIN1' }), encodeScan({ symbology: ']C1', data: 'nonsense' }, 'CRLF'));
    expect(scans[0]).toBeNull();
    expect(scans[1]).toMatchObject({ deviceId: 'SC01', data: 'B:OP-FIN1', symbology: null, outcome: { kind: 'badge', operatorId: 'OP-FIN1', known: true } });
    expect(scans[2]).toMatchObject({ deviceId: 'SC01', symbology: ']C1', outcome: { kind: 'unknown' } });
    expect(r.events).toHaveLength(0);
  });

  it('an event the core cannot record is counted and shown, and the bridge keeps reading', async () => {
    const r = await rig((p) => [{ driver: 'line-detector', deviceId: 'MD01', path: p[0] }]);
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.core.close();
    await r.send(path, encodeLine({ kind: 'detection', metal: 'fe' }), encodeLine({ kind: 'fault', bits: 1 }));
    expect(r.bridge.health()[0]).toMatchObject({ recordFailures: 2, errors: 2, connected: true });
    expect(r.bridge.health()[0]?.message).toMatch(/md.fault not recorded: /);
  });

  it('a device config the drivers cannot use stops the start, naming the device', async () => {
    const t = tempDir('qsf-bridge-');
    cleanups.push(t.cleanup);
    const st = await openFinishingStation(t.dir);
    cleanups.push(() => st.core.close());
    expect(() => startHardwareBridge(st.core, [{ driver: 'line-detector', deviceId: 'MD09', path: '/dev/x', options: { separator: '' } }])).toThrow(/MD09.*separator/);
    expect(() => startHardwareBridge(st.core, [{ driver: 'scanner', deviceId: 'SC09' }])).toThrow(/SC09/);
    expect(() =>
      startHardwareBridge(st.core, [
        { driver: 'scanner', deviceId: 'SC09', path: '/dev/a' },
        { driver: 'scanner', deviceId: 'SC09', path: '/dev/b' },
      ]),
    ).toThrow(/twice/);
  });
});

describe('hardware bridge: a verification started from the station (verification.start)', () => {
  const login = (r: FinishingStation) => r.core.call('session.login', { badge: 'B:OP-FIN1', pin: TEST_PIN });
  const failure = (p: Promise<unknown>) => p.then(() => 'started', (e: unknown) => (e as { error?: { code: string; message: string } }).error);

  it('asks the framed detector for test mode; its run is recorded with the operator and the trigger given, and the screen follows it', async () => {
    const r = await rig(framed('MD01'));
    const path = r.bridge.health()[0]?.connection.path as string;
    const written: Uint8Array[] = [];
    r.bus.onWrite(path, (b) => written.push(b));
    expect(await failure(r.core.call('verification.start', { trigger: 'lot_start' }))).toMatchObject({ code: 'unauthenticated' });
    expect(r.core.view().verification).toEqual({ status: 'due', lastPassAt: null, dueAt: null, running: [] });

    await login(r);
    const started = await r.core.call('verification.start', { trigger: 'lot_start' });
    expect(started).toEqual({ deviceId: 'MD01', trigger: 'lot_start', startedAt: expect.any(String), required: ['fe', 'nonfe', 'stainless'], alreadyRunning: false, testMode: 'requested' });
    await until(() => written.length > 0, 2000, 'test-mode request written');
    expect(new HostRequestReader().push(Buffer.concat(written))).toEqual([{ deviceId: 'MD01', command: 'VER' }]);
    const waiting = { trigger: 'lot_start', requestedBy: 'OP-FIN1', startedAt: started.startedAt, metals: [], pieces: 0, required: ['fe', 'nonfe', 'stainless'] };
    expect(r.core.view().verification).toEqual({ status: 'due', lastPassAt: null, dueAt: null, running: [{ deviceId: 'MD01', ...waiting }] });
    expect(r.core.hardwareHealth()[0]?.verificationRun).toEqual(waiting);
    // Pressed again (or by someone else): the run already waiting is the answer, not a second run.
    expect(await r.core.call('verification.start', { trigger: 'manual' })).toMatchObject({ alreadyRunning: true, trigger: 'lot_start', startedAt: started.startedAt });

    const sim = new FramedDetectorSimulator('MD01');
    await r.send(path, ...fullRun(sim));
    const runs = ofType(r, 'md.verification') as EventOf<'md.verification'>[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ operatorId: 'OP-FIN1', payload: { trigger: 'lot_start', result: 'pass', deviceId: 'MD01' } });
    const passMs = Number(runs[0]?.hlc.slice(0, 13));
    expect(r.core.view().verification).toEqual({ status: 'ok', lastPassAt: new Date(passMs).toISOString(), dueAt: new Date(passMs + 3_600_000).toISOString(), running: [] });
    expect(r.bridge.health()[0]?.verificationRun).toBeNull();
    expect(written).toHaveLength(1);
  });

  it('a run the detector started already takes the trigger and the operator when someone presses start during it', async () => {
    const r = await rig(framed('MD01'));
    const path = r.bridge.health()[0]?.connection.path as string;
    const sim = new FramedDetectorSimulator('MD01');
    await r.send(path, sim.encode(verify('fe')));
    expect(r.bridge.health()[0]?.verificationRun).toMatchObject({ trigger: null, requestedBy: null, metals: ['fe'], pieces: 1 });
    await login(r);
    expect(await r.core.call('verification.start', { trigger: 'hourly' })).toMatchObject({ alreadyRunning: true, trigger: 'hourly' });
    await r.send(path, sim.encode(verify('nonfe')), sim.encode(verify('stainless')));
    expect(ofType(r, 'md.verification')[0]).toMatchObject({ operatorId: 'OP-FIN1', payload: { trigger: 'hourly', result: 'pass' } });
  });

  it('a started run that gets no test piece within its window is cancelled: nothing recorded, the line stays due, the screen says why', async () => {
    const r = await rig(framed('MD01', { verification: { startWindowMs: 120 } }));
    await login(r);
    await r.core.call('verification.start', { trigger: 'manual' });
    expect(r.bridge.health()[0]?.verificationRun).toMatchObject({ trigger: 'manual', pieces: 0 });
    await until(() => r.bridge.health()[0]?.verificationRun === null, 3000, 'start window over');
    await r.bridge.idle();
    expect(ofType(r, 'md.verification')).toHaveLength(0);
    expect(r.core.view().verification).toMatchObject({ status: 'due', running: [] });
    expect(r.bridge.health()[0]?.message).toMatch(/no test piece .* cancelled/);
    // Started again, it runs as usual.
    await r.core.call('verification.start', { trigger: 'manual' });
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, ...fullRun(new FramedDetectorSimulator('MD01')));
    expect(ofType(r, 'md.verification')[0]).toMatchObject({ payload: { trigger: 'manual', result: 'pass' } });
  });

  it('a line detector takes no request: the run waits for the pieces run through by hand', async () => {
    const r = await rig((p) => [{ driver: 'line-detector', deviceId: 'MD01', path: p[0] }]);
    const path = r.bridge.health()[0]?.connection.path as string;
    const written: Uint8Array[] = [];
    r.bus.onWrite(path, (b) => written.push(b));
    await login(r);
    expect(await r.core.call('verification.start', { trigger: 'end_of_day' })).toMatchObject({ deviceId: 'MD01', testMode: 'manual', alreadyRunning: false });
    const pieces = (['fe', 'nonfe', 'stainless'] as const).map((m) => encodeLine(verify(m)));
    await r.send(path, ...pieces);
    expect(ofType(r, 'md.verification')[0]).toMatchObject({ operatorId: 'OP-FIN1', payload: { trigger: 'end_of_day', result: 'pass' } });
    expect(written).toHaveLength(0);
  });

  it('with two detectors the request names one; an unknown or unplugged detector, or a station without one, is refused', async () => {
    const r = await rig((p) => [
      { driver: 'framed-detector', deviceId: 'MD01', path: p[0] },
      { driver: 'framed-detector', deviceId: 'MD02', path: p[1] },
    ], 2);
    await login(r);
    expect(await failure(r.core.call('verification.start', { trigger: 'manual' }))).toEqual({ code: 'bad_request', message: 'this station has 2 detectors: name one (MD01, MD02)' });
    expect(await failure(r.core.call('verification.start', { trigger: 'manual', deviceId: 'MD09' }))).toEqual({ code: 'not_found', message: 'no detector MD09 at this station (MD01, MD02)' });
    const p2 = r.bridge.health()[1]?.connection.path as string;
    r.bus.unplug(p2);
    await until(() => r.bridge.health()[1]?.connected === false, 3000, 'MD02 unplugged');
    expect(await failure(r.core.call('verification.start', { trigger: 'manual', deviceId: 'MD02' }))).toEqual({ code: 'refused', message: 'detector MD02 is not connected: check its cable, then start again' });
    expect(await r.core.call('verification.start', { trigger: 'manual', deviceId: 'MD01' })).toMatchObject({ deviceId: 'MD01' });

    await r.bridge.stop();
    expect(await failure(r.core.call('verification.start', { trigger: 'manual', deviceId: 'MD01' }))).toEqual({ code: 'not_found', message: 'no metal detector is connected to this station' });
    expect(r.core.view().verification).toBeNull();
    expect(ofType(r, 'md.verification')).toHaveLength(0); // the run waiting for its first piece was dropped, not failed
  });

  it('the operator who started a run left the roster before it ended: the run is recorded as the detector\'s own', async () => {
    const r = await rig(framed('MD01'));
    await login(r);
    await r.core.call('verification.start', { trigger: 'hourly' });
    const roster = await rosterDocuments();
    const op = roster.find((d) => d.kind === 'operator' && d.id === 'OP-FIN1');
    if (!op) throw new Error('fixture: no OP-FIN1');
    await r.core.seedDocuments([{ ...op, body: { ...op.body, active: false } }]);
    const path = r.bridge.health()[0]?.connection.path as string;
    await r.send(path, ...fullRun(new FramedDetectorSimulator('MD01')));
    const runs = ofType(r, 'md.verification');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ operatorId: null, payload: { trigger: 'hourly', result: 'pass' } });
    expect(r.core.view().line?.verification.status).toBe('ok');
  });
});

describe('hardware bridge: a detection that cannot be committed', () => {
  it('latches the line (nothing recorded on it) and retries until the detection is on disk', async () => {
    const r = await rig(framed('MD01'));
    const [p] = r.bridge.health().map((h) => h.connection.path as string) as [string];
    // The disk is full for the first two attempts.
    const real = r.core.recordDevice.bind(r.core);
    let failures = 2;
    r.core.recordDevice = async (action) => {
      if (action.type === 'md.detection' && failures-- > 0) throw new Error('SQLITE_FULL: database or disk is full');
      return real(action);
    };
    await r.core.call('session.login', { badge: 'B:OP-FIN1', pin: TEST_PIN });
    const sim = new FramedDetectorSimulator('MD01');
    r.bus.emit(p, sim.encode({ kind: 'detection', metal: 'fe' }));
    // While the detection is not on disk, work on the line is refused.
    await until(() => failures <= 1, 5000, 'first failed attempt');
    const during = await r.core
      .call('action.record', { action: { type: 'fg.converted', payload: { workOrderId: r.workOrderId, lineId: FIN_LINE, qty: 1, fgArticleCode: 'BEAR-30' } } })
      .then(() => 'recorded', (e: unknown) => (e as { error?: { refusal?: string } }).error?.refusal);
    expect(during).toBe('line_halted');
    await until(() => r.events.some((e) => e.type === 'md.detection'), 10_000, 'detection committed after retries');
    expect(r.core.view().line?.halt?.cause).toBe('detection');
  });
});
