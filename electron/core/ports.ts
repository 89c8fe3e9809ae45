/**
 * What the station core's neighbours in the same process may use of it, and nothing more. The core owns every write
 * to its store (one writer: its command queue); sync and the hardware bridge read through narrow methods and hand
 * their writes to the core, which runs them in that queue.
 *
 *   StationSyncPort      the sync client (sync-client.ts and its parts: enroll, event pusher, heartbeat, pull cycle)
 *   StationHardwarePort  the hardware bridge (bridge.ts, recorder.ts)
 *
 * `StationCore` implements both; tests may hand either side a small fake instead.
 */
import type { RxCollection, WithDeleted } from 'rxdb';
import type { Ack, CommandError, CommandResult, DeviceHealthView, ScanOutcome, SyncStatus, VerificationRunView } from '../../shared/api';
import type { LineDoc } from '../../shared/docs';
import type { Action, FloorEvent, VerificationTrigger } from '../../shared/events';
import type { Station } from '../../shared/master';
import type { StoredDocument, StoredEvent } from '../store/station-db';
import type { StationConfig } from './config';
import type { StationKeys } from './keys';
import type { SsccLeaseBook } from '../sync/sscc-lease-book';

/**
 * Documents of one pull, handed to the core to write and apply (`StationCore.applyPulled`): a whole pull cycle, or one
 * part of a cycle too large to gather at once (electron/sync/pull-cycle.ts).
 */
export interface PulledDocuments {
  /**
   * The latest version of each pulled document (`key` = `kind:id`), `_deleted` when the server deleted it. Written
   * exactly as given (a deleted one as a tombstone with the given body), so RxDB's replication, which is handed one of
   * the cycle's documents (what its checkpoint needs: electron/sync/pull-cycle.ts `forRxdb`), finds it already stored
   * and writes only its checkpoint.
   */
  documents: readonly WithDeleted<StoredDocument>[];
  /**
   * Not the last part of its pull cycle: kept aside by the core, in memory only: neither written nor applied, until
   * the part that reaches the server's head, with which the whole cycle is written in one transaction and applied.
   * A station that stops or crashes before then has nothing of the cycle on disk.
   */
  hold?: boolean;
  /**
   * The first part of its pull cycle (or the whole cycle): parts kept aside from a cycle that was never finished (a
   * sync stopped and started again, a cycle restarted because the server's database went back) are dropped first.
   */
  cycleStart?: boolean;
  /**
   * The change number this part reaches (its cycle's, for the part that reaches the head): the roster of a station
   * that applied the whole cycle is the server's as of it (roster-stamps.ts).
   */
  checkpoint?: number;
  /**
   * A part of a pull cycle that started again from nothing because the server's database went back (restored,
   * failed over): the cycle holds every document the server has for this station. With the part that reaches the
   * head, stored documents that were in none of the cycle's parts are gone from the server and are dropped too, in
   * the same transaction.
   */
  complete?: boolean;
}

/**
 * The collections RxDB's `replicateRxCollection` runs on, and for nothing else: `events` is the push replication's
 * source (RxDB reads it and keeps its own checkpoint); `documents` is the pull replication's fork, where RxDB only
 * stores its checkpoint, because the core has already written what the pull handler returns (`applyPulled`).
 */
export interface ReplicationCollections {
  events: RxCollection<StoredEvent>;
  documents: RxCollection<StoredDocument>;
}

/** What the sync client may use of the station core. */
export interface StationSyncPort {
  readonly station: Station;
  /** A packing station's SSCC leases, kept filled by the sync client (sscc-lease-refill.ts); absent or null elsewhere. */
  readonly ssccLeases?: SsccLeaseBook | null;
  readonly config: Pick<StationConfig, 'stationId' | 'dataDir' | 'serverUrl' | 'enrollmentCode'>;
  readonly keys: Pick<StationKeys, 'publicKeyRaw'>;
  /** Own events whose effect the pulled documents do not contain yet (the backlog). */
  readonly pendingCount: number;
  /** The server's progress for this station, as pulled (`stationProgress`). */
  readonly appliedSeq: number;
  /** The newest own event's seq. */
  readonly lastSequence: number;
  /** Own events after `seq` in seq order, at most `limit` of them: read from the event log (read-only). */
  eventsAfter(seq: number, limit?: number): Promise<FloorEvent[]>;
  /**
   * In the core's queue: writes the pulled cycle to the documents collection (one transaction) and applies what
   * changed to local state; a part that does not reach the head (`hold`) is only kept aside. Resolves true if this station's progress went back (the server's database did): the own
   * events after it are pending again and must be pushed again.
   */
  applyPulled(pulled: PulledDocuments): Promise<boolean>;
  /**
   * The change number whose roster own event `seq` was recorded under (roster-stamps.ts), sent beside it when pushed;
   * undefined when not known (recorded before any pull cycle was applied, or by an older version).
   */
  rosterVersionAt?(seq: number): number | undefined;
  /** The replications' collections (see `ReplicationCollections`): the sync client writes to neither. */
  replicationCollections(): ReplicationCollections;
  /** Told after every own event is committed (the status' backlog follows it). */
  onCommit(listener: () => void): () => void;
  setSyncStatus(status: SyncStatus): void;
  /** This station's wall clock (what its HLC reads), for the server to measure skew. */
  wallClockMs(): number;
  hardwareHealth(): DeviceHealthView[];
  subscribe(topic: 'hardware', listener: (devices: DeviceHealthView[]) => void): () => void;
}

/** What the hardware bridge may use of the station core. */
export interface StationHardwarePort {
  readonly station: Station;
  readonly config: Pick<StationConfig, 'verificationCheckMs'>;
  readonly isClosed: boolean;
  /** A line as local state shows it (pulled + own pending events), or undefined if this station has none of it. */
  lineStatus(lineId: string): LineDoc | undefined;
  /**
   * Device events (detector, verification timer) enter the same queue as operator commands; `operatorId`: the operator
   * a device event was done for (who started a verification run), else none.
   */
  recordDevice(action: Action, opts?: { operatorId: string }): Promise<Ack>;
  latchLine(lineId: string, reason: string): void;
  unlatchLine(lineId: string): void;
  deviceScan(deviceId: string, scan: { data: string; symbology: string | null }): Promise<ScanOutcome>;
  setHardware(health: DeviceHealthView[]): void;
  /** The bridge's detectors, for station commands (`verification.start`) and the screen; returns the detach. */
  attachDetectors(control: DetectorControl): () => void;
}

/** A verification run asked for at the station (`verification.start`). */
export interface VerificationRequest {
  trigger: VerificationTrigger;
  deviceId?: string | undefined;
  /** The logged-in operator who started it: the run is recorded in their name. */
  operatorId: string;
}

export type VerificationStart =
  | ({ ok: true } & CommandResult<'verification.start'>)
  | { ok: false; code: Extract<CommandError['code'], 'bad_request' | 'not_found' | 'refused'>; message: string };

/** What the station core may ask of the hardware bridge's detectors. */
export interface DetectorControl {
  /** Starts a run on a detector (asks it for test mode where it takes requests), or says why not. */
  startVerification(request: VerificationRequest): Promise<VerificationStart>;
  /** The runs being collected now, live. */
  runs(): (VerificationRunView & { deviceId: string })[];
}
