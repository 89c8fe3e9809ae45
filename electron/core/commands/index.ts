/**
 * The station's command handlers, registered per area and typed by the command table (shared/api.ts COMMANDS), as
 * Actual Budget registers its handlers: one handler per command, no cast per command, a missing one does not compile.
 */
import { alertHandlers } from './alerts';
import { cartonHandlers } from './cartons';
import { detectorHandlers } from './detector';
import { recordingHandlers } from './recording';
import { interpretScan } from './scan';
import { supervisionHandlers } from './supervision';
import { transferHandlers } from './transfers';
import type { CommandHandlers, CommandHost } from './host';

export { CommandFailure, fail, type CartonNumbers, type CommandHost, type HandlerContext } from './host';
export { interpretScan } from './scan';

export function commandHandlers(host: CommandHost): CommandHandlers {
  return {
    'session.login': (p, { connection }) => host.login(p, connection),
    'session.logout': (p) => host.logout(p.reason),
    'scan.submit': (p) => interpretScan(host, p),
    'view.get': () => host.view(),
    ...recordingHandlers(host),
    ...transferHandlers(host),
    ...supervisionHandlers(host),
    ...detectorHandlers(host),
    ...alertHandlers(host),
    ...cartonHandlers(host),
  };
}
