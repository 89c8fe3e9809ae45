/**
 * `action.record`: any action of the event catalogue an operator's screen may record directly. Actions that need a
 * dedicated command are refused here, so a screen can never forge a release, a sign-off, a handover or a reading.
 */
import type { Action } from '../../../shared/events';
import { fail, type CommandHandlers, type CommandHost } from './host';

/**
 * Actions that only a dedicated command may record: those that need a supervisor's own badge + PIN, a signed or
 * verified transfer slip, a login, or that only a device reports.
 */
export const DEDICATED_COMMAND: Partial<Record<Action['type'], string>> = {
  'line.released': 'line.release (supervisor badge + PIN)',
  'hold.released': 'hold.release (supervisor badge + PIN)',
  'needle.broken': 'needle.report (supervisor badge + PIN)',
  'conflict.resolved': 'conflict.resolve (supervisor badge + PIN)',
  'packing.shortClosed': 'packing.shortClose (supervisor badge + PIN)',
  'alert.acknowledged': 'alert.acknowledge',
  'alert.investigating': 'alert.investigate (supervisor or QC inspector badge + PIN)',
  'alert.closed': 'alert.close (supervisor or QC inspector badge + PIN)',
  'transfer.created': 'transfer.create (prints the signed slip)',
  'transfer.accepted': 'transfer.accept (checks the slip)',
  'transfer.discrepancy': 'transfer.accept with a discrepancy reason',
  'operator.login': 'session.login',
  'operator.logout': 'session.logout',
  'md.pass': 'the metal detector',
  'md.detection': 'the metal detector',
  'md.verification': 'the metal detector (test-piece run)',
  'md.verificationOverdue': 'the verification timer',
  'md.fault': 'the metal detector',
  'md.powerOn': 'the metal detector',
};

export function recordingHandlers(host: CommandHost): Pick<CommandHandlers, 'action.record'> {
  return {
    'action.record': (q) => {
      const dedicated = DEDICATED_COMMAND[q.action.type];
      if (dedicated) fail('bad_request', `${q.action.type} is not recorded directly: use ${dedicated}`);
      return host.record(q.action, { eventId: q.eventId, operatorId: host.requireSession().operatorId });
    },
  };
}
