/** The core process's side of the IPC: a real station core behind a fake parent port. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { openStation } from '../kiosk/run';
import { tempDir } from '../core/testing';
import { CORE_EXIT, type FromCore } from './core-wire';
import { serveStationCore, type ParentPortLike } from './core-process';

class FakeParentPort extends EventEmitter implements ParentPortLike {
  readonly sent: FromCore[] = [];
  override on(event: 'message', listener: (event: { data: unknown }) => void): this {
    return super.on(event, listener);
  }
  postMessage(message: unknown): void {
    this.sent.push(message as FromCore);
  }
  /** main posts to the core */
  post(data: unknown): void {
    this.emit('message', { data });
  }
  async next(pred: (m: FromCore) => boolean): Promise<FromCore> {
    for (let i = 0; i < 200; i++) {
      const hit = this.sent.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no such message from the core');
  }
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function env(): NodeJS.ProcessEnv {
  const { dir, cleanup } = tempDir('qsf-core-process-');
  cleanups.push(cleanup);
  return { QSF_STATION_ID: 'ST-SEW-1', QSF_DEPARTMENT: 'sewing', QSF_LINE_ID: 'LN-SEW-1', QSF_DATA_DIR: dir };
}

describe('core process', () => {
  it('says ready, answers a screen through the shared conversation, pushes topics, and stops cleanly', async () => {
    const port = new FakeParentPort();
    const exits: number[] = [];
    await serveStationCore(port, () => openStation(env()), (code) => exits.push(code));
    expect(port.sent[0]).toEqual({ t: 'ready', station: 'ST-SEW-1', lastSeq: 0 });

    port.post({ t: 'screen', screen: 'ipc-1', msg: { t: 'call', id: 7, name: 'view.get', params: {} } });
    const view = await port.next((m) => m.t === 'reply' && m.msg.t === 'result' && m.msg.id === 7);
    expect(view).toMatchObject({ t: 'reply', screen: 'ipc-1', msg: { ok: true, result: { station: { id: 'ST-SEW-1' } } } });

    // Parsed with the shared ClientMessage schema: the same answers the kiosk gives.
    port.post({ t: 'screen', screen: 'ipc-1', msg: { t: 'call', id: 8, name: 'session.login', params: { badge: 'B', pin: '12' } } });
    expect(await port.next((m) => m.t === 'reply' && m.msg.t === 'result' && m.msg.id === 8)).toMatchObject({ msg: { ok: false, error: { code: 'bad_request' } } });
    port.post({ t: 'screen', screen: 'ipc-1', msg: { t: 'call', id: 9, name: 'floor.burn', params: {} } });
    expect(await port.next((m) => m.t === 'reply' && m.msg.t === 'result' && m.msg.id === 9)).toMatchObject({ msg: { ok: false, error: { code: 'not_found' } } });
    port.post({ t: 'screen', screen: 'ipc-1', msg: { t: 'sub', topic: 'nonsense' } });
    expect(await port.next((m) => m.t === 'reply' && m.msg.t === 'result' && m.msg.id === -1)).toMatchObject({ msg: { ok: false, error: { code: 'bad_request' } } });

    port.post({ t: 'screen', screen: 'ipc-2', msg: { t: 'sub', topic: 'view' } });
    expect(await port.next((m) => m.t === 'reply' && m.screen === 'ipc-2' && m.msg.t === 'topic')).toMatchObject({ msg: { topic: 'view', data: { station: { id: 'ST-SEW-1' } } } });

    port.post({ garbage: true }); // ignored, not a crash
    port.post({ t: 'stop' });
    for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([CORE_EXIT.stopped]);
  });

  it('a bad config is reported to main with its reason and exit code 2', async () => {
    const port = new FakeParentPort();
    const exits: number[] = [];
    await serveStationCore(port, () => openStation({ ...env(), QSF_DEPARTMENT: 'painting' }), (code) => exits.push(code));
    expect(port.sent).toHaveLength(1);
    expect(port.sent[0]).toMatchObject({ t: 'fatal', message: expect.stringMatching(/department/) });
    expect(exits).toEqual([CORE_EXIT.config]);
  });

  it('a data directory another core holds: reported, exit code 3, nothing touched', async () => {
    const e = env();
    const holder = await openStation(e);
    try {
      const port = new FakeParentPort();
      const exits: number[] = [];
      await serveStationCore(port, () => openStation(e), (code) => exits.push(code));
      expect(port.sent[0]).toMatchObject({ t: 'fatal' });
      expect(exits).toEqual([CORE_EXIT.dirInUse]);
    } finally {
      await holder.stop();
    }
  });
});
