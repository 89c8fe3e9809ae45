import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCallError, connectKiosk, whenConnected, type WsConstructor } from '../../renderer/transport/ws-client';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../core/testing';
import { KIOSK_MAX_PAYLOAD, startKioskServer } from './server';

const M = mo(5, { route: 'R2', quantity: 40 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function kiosk() {
  const t = tempDir();
  const core = await openTestStation('cutting', t.dir, [M]);
  const server = await startKioskServer(core);
  const client = connectKiosk(`${server.url.replace('http', 'ws')}/api`, WebSocket as unknown as WsConstructor);
  cleanups.push(t.cleanup, () => core.close(), () => server.close(), () => client.close());
  await whenConnected(client);
  return { core, server, client };
}

/** Exceptions nothing caught (what would take the whole station process down), collected until the test ends. */
function watchUncaught(): () => unknown[] {
  const seen: unknown[] = [];
  const on = (e: unknown) => seen.push(e);
  process.on('uncaughtException', on);
  cleanups.push(() => void process.off('uncaughtException', on));
  return () => seen.map(String);
}

describe('kiosk transport', () => {
  it('serves the typed station API and live views over WebSocket', async () => {
    const { client } = await kiosk();
    const views: number[] = [];
    client.subscribe('view', (v) => views.push(v.lastSeq));
    await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const ack = await client.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(M.id, 'cutting'), lineId: 'LN-CUT-1', size: 'S', part: 'ear', goodQty: 4 } } });
    expect(ack.seq).toBe(2);
    const view = await client.call('view.get', {});
    expect(view.workOrders.find((w) => w.id === workOrderIdFor(M.id, 'cutting'))?.stageQty.cut).toBe(4);
    await new Promise((r) => setTimeout(r, 50));
    expect(views.at(-1)).toBe(2);
  });

  it('bad input over the wire gets a clear error and records nothing', async () => {
    const { client, core } = await kiosk();
    await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const err = await client
      .call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: 'nope', lineId: 'LN-CUT-1', size: 'S', part: 'ear', goodQty: 4 } } })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StationCallError);
    expect((err as StationCallError).error.code).toBe('bad_request');
    expect((err as StationCallError).message).toMatch(/workOrderId/);
    expect(core.lastSequence).toBe(1);
  });

  it('refuses raw garbage and unknown commands without crashing', async () => {
    const { server, client } = await kiosk();
    const raw = new WebSocket(`${server.url.replace('http', 'ws')}/api`);
    await new Promise((r) => raw.once('open', r));
    const replies: string[] = [];
    raw.on('message', (d) => replies.push(String(d)));
    raw.send('{{{not json');
    raw.send(JSON.stringify({ t: 'call', id: 7, name: 'line.explode', params: {} }));
    await new Promise((r) => setTimeout(r, 100));
    raw.close();
    expect(replies.map((r) => JSON.parse(r) as { error?: { code: string } }).map((r) => r.error?.code)).toEqual(['bad_request', 'not_found']);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('closes a text frame over the stated maximum with 1009, and keeps serving', async () => {
    const { server, client } = await kiosk();
    const crashed = watchUncaught();
    const raw = new WebSocket(`${server.url.replace('http', 'ws')}/api`);
    await new Promise((r) => raw.once('open', r));
    raw.on('error', () => undefined);
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send('x'.repeat(KIOSK_MAX_PAYLOAD + 1));
    expect(await closed).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    expect(crashed()).toEqual([]);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('closes a text frame with invalid UTF-8 (c3 28 ff fe) with 1007, and keeps serving', async () => {
    const { server, client } = await kiosk();
    const crashed = watchUncaught();
    const raw = new WebSocket(`${server.url.replace('http', 'ws')}/api`);
    await new Promise((r) => raw.once('open', r));
    raw.on('error', () => undefined);
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send(Buffer.from([0xc3, 0x28, 0xff, 0xfe]), { binary: false });
    expect(await closed).toBe(1007);
    await new Promise((r) => setTimeout(r, 50));
    expect(crashed()).toEqual([]);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('refuses a page from another origin', async () => {
    const { server } = await kiosk();
    const evil = new WebSocket(`${server.url.replace('http', 'ws')}/api`, { origin: 'https://evil.example' });
    const outcome = await new Promise<string>((r) => {
      evil.once('open', () => r('open'));
      evil.once('error', () => r('refused'));
    });
    expect(outcome).toBe('refused');
  });
});
