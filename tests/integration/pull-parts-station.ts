/**
 * A station core in a child process for `pull-cycle-parts.test.ts`: opens the station of QSF_* env (loadStationConfig)
 * and syncs with parts of QSF_TEST_MAX_CYCLE (batches of one). When the core has been handed the first part of a cycle
 * to keep aside, it prints `HELD` and from then on no pull is ever answered (the request hangs), so the process is
 * between parts until the test kills it (SIGKILL: no close, nothing flushed).
 */
import { loadStationConfig } from '../../electron/core/config';
import { StationCore } from '../../electron/core/station-core';
import { startSync, type Fetch } from '../../electron/sync';

const core = await StationCore.open(loadStationConfig());
let held = false;
const applyPulled = core.applyPulled.bind(core);
core.applyPulled = async (...args: Parameters<StationCore['applyPulled']>) => {
  const rewound = await applyPulled(...args);
  if (args[0].hold && !held) {
    held = true;
    process.stdout.write('HELD\n');
  }
  return rewound;
};
const hangingPulls: Fetch = (input, init) => (held && String(input).includes('/api/pull') ? new Promise<Response>(() => undefined) : fetch(input, init));
startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, pullBatchSize: 1, pushBatchSize: 1, maxCycleDocuments: Number(process.env.QSF_TEST_MAX_CYCLE ?? 3), fetch: hangingPulls });
process.stdout.write('READY\n');
