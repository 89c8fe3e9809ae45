import { EventEmitter } from 'node:events';
import type { Db, Unsubscribe } from '../db/types';

export const REVOKED_CHANNEL = 'qsf_station_revoked';

/**
 * "Station X was revoked" for everything in this process that holds a connection for X (live streams). Fed both by
 * the local revoke route (immediately) and by NOTIFY from any instance on the same database (including this one's
 * own echo), so callbacks must tolerate being called twice; they usually unsubscribe on the first call.
 */
export class StationRevocations {
  private readonly emitter = new EventEmitter();
  private stopListening: Unsubscribe | null = null;
  private readonly gapHandlers = new Set<() => void>();

  constructor(private readonly db: Db) {
    // One listener per open stream: many stations, so no leak warning at 10.
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.stopListening = await this.db.listen(REVOKED_CHANNEL, {
      onPayload: (stationId) => this.emit(stationId),
      onGap: () => {
        for (const h of this.gapHandlers) h();
      },
    });
  }

  /** Called for `stationId` when it is revoked anywhere. Returns the unsubscribe function. */
  onStationRevoked(stationId: string, cb: () => void): () => void {
    this.emitter.on(stationId, cb);
    return () => this.emitter.off(stationId, cb);
  }

  /** Notifications may have been lost (listen connection dropped): re-check revocation state from the database. */
  onGap(cb: () => void): () => void {
    this.gapHandlers.add(cb);
    return () => this.gapHandlers.delete(cb);
  }

  emit(stationId: string): void {
    this.emitter.emit(stationId);
    for (const cb of this.anyHandlers) cb(stationId);
  }

  private readonly anyHandlers = new Set<(stationId: string) => void>();

  /** Called for every revoked station (e.g. to drop cached credentials). */
  onAnyRevoked(cb: (stationId: string) => void): () => void {
    this.anyHandlers.add(cb);
    return () => this.anyHandlers.delete(cb);
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = null;
    this.emitter.removeAllListeners();
  }
}
