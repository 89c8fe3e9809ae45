/**
 * Packing's carton numbers: `carton.nextSscc` takes the next SSCC from the leases this station holds (durable before
 * it is answered), online or offline. No lease left, another department or a damaged lease file: refused with the
 * station's own bilingual sentence (shared/messages/station.ts) and nothing taken.
 */
import type { CommandError } from '../../../shared/api';
import { STATION_TEXT, type StationMessageCode } from '../../../shared/messages/station';
import { CommandFailure, type CommandHandlers, type CommandHost } from './host';

function refuse(code: CommandError['code'], message: string, text: StationMessageCode): never {
  throw new CommandFailure({ code, message, text: STATION_TEXT[text] });
}

export function cartonHandlers(host: CommandHost): Pick<CommandHandlers, 'carton.nextSscc'> {
  return {
    'carton.nextSscc': () => {
      host.requireSession();
      const numbers = host.cartonNumbers();
      if (numbers === null) refuse('bad_request', `${host.station.id} is a ${host.station.department} station: only packing numbers cartons`, 'sscc_not_packing');
      if (numbers instanceof Error) refuse('internal', numbers.message, 'sscc_book_damaged');
      const next = numbers.take();
      if (!next) refuse('refused', 'no SSCC lease left on this station: it asks the server for a new block while online', 'sscc_no_lease');
      return { sscc: next.sscc, remaining: numbers.remaining };
    },
  };
}
