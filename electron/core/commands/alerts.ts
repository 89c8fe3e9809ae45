/**
 * An alert's lifecycle at the station (shared/rules/alerts.ts): the logged-in operator acknowledges; a supervisor or
 * QC inspector of the department investigates and closes with their own badge + PIN, checked offline like a release.
 */
import type { ParsedParams } from '../../../shared/api';
import type { Action } from '../../../shared/events';
import type { CommandHandlers, CommandHost } from './host';

type AlertCommands = 'alert.acknowledge' | 'alert.investigate' | 'alert.close';

export function alertHandlers(host: CommandHost): Pick<CommandHandlers, AlertCommands> {
  /** A step signed by a supervisor or QC inspector, recorded in the session's name (the signer's when nobody is logged in). */
  async function signed(q: ParsedParams<'alert.investigate' | 'alert.close'>, connection: string, step: (signedBy: string) => Action) {
    const signer = await host.checkInvestigator(q.supervisorBadge, q.supervisorPin, connection);
    return host.record(step(signer.id), { eventId: q.eventId, operatorId: host.sessionOperatorId() ?? signer.id });
  }
  return {
    'alert.acknowledge': (q) => {
      const operatorId = host.requireSession().operatorId;
      return host.record({ type: 'alert.acknowledged', payload: { alertId: q.alertId, ...(q.note ? { note: q.note } : {}) } }, { eventId: q.eventId, operatorId });
    },
    'alert.investigate': (q, { connection }) => signed(q, connection, (signedBy) => ({ type: 'alert.investigating', payload: { alertId: q.alertId, signedBy, note: q.note } })),
    'alert.close': (q, { connection }) => signed(q, connection, (signedBy) => ({ type: 'alert.closed', payload: { alertId: q.alertId, signedBy, note: q.note } })),
  };
}
