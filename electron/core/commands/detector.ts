/**
 * `verification.start`: an operator or QC inspector, logged in, starts a detector verification run from the station
 * (start or end of a lot, hourly, after a power-on, end of day, on demand). The hardware bridge asks the detector for
 * test mode and collects the run; the rules judge the recorded md.verification (shared/rules/verification.ts).
 */
import { fail, type CommandHandlers, type CommandHost } from './host';

export function detectorHandlers(host: CommandHost): Pick<CommandHandlers, 'verification.start'> {
  return {
    'verification.start': async (q) => {
      const operatorId = host.requireSession().operatorId;
      const detectors = host.detectors();
      if (!detectors) fail('not_found', 'no metal detector is connected to this station');
      const started = await detectors.startVerification({ trigger: q.trigger, deviceId: q.deviceId, operatorId });
      if (!started.ok) fail(started.code, started.message);
      const { ok: _ok, ...result } = started;
      return result;
    },
  };
}
