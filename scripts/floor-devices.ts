/** Simulated devices for the demo floor (filled in once the hardware bridge is wired into the station core). */
import type { Department } from '../shared/master';
import type { RuntimePart } from '../electron/kiosk/run';

export function floorDevices(_department: Department): RuntimePart[] {
  return [];
}
