/**
 * Commands that need a supervisor's own badge + PIN at the station: releasing a halted line or a hold, reporting a
 * broken needle, settling a QT-09 conflict, closing an order short at packing. The credential is checked offline
 * against the roster.
 */
import type { CommandHandlers, CommandHost } from './host';

type SupervisionCommands = 'line.release' | 'hold.release' | 'needle.report' | 'conflict.resolve' | 'packing.shortClose';

export function supervisionHandlers(host: CommandHost): Pick<CommandHandlers, SupervisionCommands> {
  return {
    'line.release': async (q, { connection }) => {
      const sup = await host.checkSupervisor(q.supervisorBadge, q.supervisorPin, connection);
      return host.record(
        { type: 'line.released', payload: { lineId: host.station.lineId, haltId: q.haltId, supervisorId: sup.id, disposition: q.disposition, correctiveAction: q.correctiveAction } },
        { eventId: q.eventId, operatorId: host.sessionOperatorId() ?? sup.id },
      );
    },
    'hold.release': async (q, { connection }) => {
      const sup = await host.checkSupervisor(q.supervisorBadge, q.supervisorPin, connection);
      return host.record(
        { type: 'hold.released', payload: { holdId: q.holdId, supervisorId: sup.id, results: q.results, ...(q.note ? { note: q.note } : {}) } },
        { eventId: q.eventId, operatorId: host.sessionOperatorId() ?? sup.id },
      );
    },
    'needle.report': async (q, { connection }) => {
      // The operator who found the broken needle reports it; their supervisor countersigns.
      const operatorId = host.requireSession().operatorId;
      const sup = await host.checkSupervisor(q.supervisorBadge, q.supervisorPin, connection);
      return host.record(
        {
          type: 'needle.broken',
          payload: {
            lineId: host.station.lineId,
            machineId: q.machineId,
            workOrderId: q.workOrderId,
            allFragmentsFound: q.allFragmentsFound,
            needleExchanged: q.needleExchanged,
            supervisorId: sup.id,
            piecesInProcess: q.piecesInProcess,
          },
        },
        { eventId: q.eventId, operatorId },
      );
    },
    'conflict.resolve': async (q, { connection }) => {
      const sup = await host.checkSupervisor(q.supervisorBadge, q.supervisorPin, connection);
      return host.record(
        { type: 'conflict.resolved', payload: { conflictId: q.conflictId, decision: q.decision, supervisorId: sup.id, note: q.note } },
        { eventId: q.eventId, operatorId: host.sessionOperatorId() ?? sup.id },
      );
    },
    'packing.shortClose': async (q, { connection }) => {
      const sup = await host.checkSupervisor(q.supervisorBadge, q.supervisorPin, connection);
      return host.record(
        { type: 'packing.shortClosed', payload: { workOrderId: q.workOrderId, supervisorId: sup.id, reason: q.reason } },
        { eventId: q.eventId, operatorId: host.sessionOperatorId() ?? sup.id },
      );
    },
  };
}
