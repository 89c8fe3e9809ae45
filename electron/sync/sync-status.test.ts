import { describe, expect, it } from 'vitest';
import { SyncStatusModel } from './sync-status';

const AT = new Date('2026-03-02T07:00:00.000Z');

function model(backlog = 0) {
  const b = { n: backlog };
  return { m: new SyncStatusModel(() => b.n, () => AT), backlog: b };
}

describe('sync status model', () => {
  it('connecting until the stream comes up, then online; syncing while a replication is active or events are pending', () => {
    const { m, backlog } = model();
    expect(m.status()).toEqual({ state: 'connecting', since: AT.toISOString(), backlog: 0, lastPushAt: null, lastPullAt: null, lastError: null });
    m.streamOpened();
    expect(m.status().state).toBe('online');
    m.setActive('pull', true);
    expect(m.status().state).toBe('syncing');
    m.setActive('pull', false);
    backlog.n = 3;
    expect(m.status()).toMatchObject({ state: 'syncing', backlog: 3 });
    backlog.n = 0;
    expect(m.status().state).toBe('online');
  });

  it('offline when a request cannot reach the server, or the stream fails or drops; an answer ends the request error', () => {
    const { m } = model();
    m.streamDown('connect ECONNREFUSED; reconnecting in 0.5 s');
    expect(m.status()).toMatchObject({ state: 'offline', lastError: 'connect ECONNREFUSED; reconnecting in 0.5 s' });
    m.streamOpened();
    expect(m.status()).toMatchObject({ state: 'online', lastError: null });
    m.requestFailed('push', 'push: fetch failed', true);
    expect(m.status()).toMatchObject({ state: 'offline', lastError: 'push: fetch failed' });
    m.answered('push');
    expect(m.status()).toMatchObject({ state: 'online', lastError: null, lastPushAt: AT.toISOString(), lastPullAt: null });
    // A refusal that is not the network's (a 4xx) shows as an error but does not make the station offline.
    m.requestFailed('pull', 'pull: 400 bad_request', false);
    expect(m.status()).toMatchObject({ state: 'online', lastError: 'pull: 400 bad_request' });
    m.answered('pull');
    expect(m.status()).toMatchObject({ lastError: null, lastPullAt: AT.toISOString() });
    m.streamDown('stream idle for 60 s; reconnecting in 1 s');
    expect(m.status().state).toBe('offline'); // it was up once
  });

  it('lastError is the first of fatal, push, pull, problem, stream', () => {
    const { m } = model();
    m.streamDown('stream down');
    expect(m.status().lastError).toBe('stream down');
    m.setProblem("the server's data went back");
    expect(m.status().lastError).toBe("the server's data went back");
    m.requestFailed('pull', 'pull: timeout', true);
    expect(m.status().lastError).toBe('pull: timeout');
    m.requestFailed('push', 'push: timeout', true);
    expect(m.status().lastError).toBe('push: timeout');
    m.failFatally('revoked');
    expect(m.status().lastError).toBe('revoked');
    m.clearRequestError('push');
    m.clearRequestError('pull');
    m.setProblem(null);
    expect(m.status().lastError).toBe('revoked');
  });

  it('disabled once stopped, whatever else it saw', () => {
    const { m } = model(2);
    m.streamOpened();
    m.setActive('push', true);
    m.stop();
    expect(m.isStopped).toBe(true);
    expect(m.status()).toMatchObject({ state: 'disabled', backlog: 2 });
  });

  it('since: when the station entered its state, kept while the state holds (a screen opened later reads it)', () => {
    const clock = { now: new Date('2026-03-02T07:00:00.000Z') };
    const m = new SyncStatusModel(() => 0, () => clock.now);
    m.streamOpened();
    expect(m.status()).toMatchObject({ state: 'online', since: '2026-03-02T07:00:00.000Z' });
    clock.now = new Date('2026-03-02T07:05:00.000Z');
    m.streamDown('connect ECONNREFUSED');
    expect(m.status()).toMatchObject({ state: 'offline', since: '2026-03-02T07:05:00.000Z' });
    clock.now = new Date('2026-03-02T07:09:00.000Z');
    m.requestFailed('push', 'push: fetch failed', true);
    expect(m.status()).toMatchObject({ state: 'offline', since: '2026-03-02T07:05:00.000Z' });
    m.streamOpened();
    m.answered('push');
    expect(m.status()).toMatchObject({ state: 'online', since: '2026-03-02T07:09:00.000Z' });
  });

  it('changed() hands out a status once until it changes; republish() hands it out again', () => {
    const { m, backlog } = model();
    expect(m.changed()?.state).toBe('connecting');
    expect(m.changed()).toBeNull();
    backlog.n = 1;
    expect(m.changed()?.backlog).toBe(1);
    expect(m.changed()).toBeNull();
    m.republish();
    expect(m.changed()?.backlog).toBe(1);
  });
});
