/** The station's sync client (see sync-client.ts for the design). */
export { startSync, type SyncClient, type SyncOptions } from './sync-client';
export { ensureEnrolled, EnrollmentError, readToken, TOKEN_FILE } from './enroll';
export { SyncHttpError, type Fetch } from './http';
