/**
 * One station of the demo floor (`npm start`, scripts/floor.ts) in its own process, as on a real floor: the station
 * core with sync (electron/kiosk/run.ts, configured by the QSF_* env the floor sets) and the simulated devices of its
 * department (scripts/floor-devices.ts) unless QSF_FLOOR_DEVICES is "off". Prints READY like the headless runner.
 */
import { serveStation, stationParts } from '../electron/kiosk/run';
import { Department } from '../shared/master';
import { floorDevices } from './floor-devices';

void serveStation(async () => {
  const parts = await stationParts();
  const department = Department.safeParse(process.env.QSF_DEPARTMENT);
  if (department.success && process.env.QSF_FLOOR_DEVICES !== 'off') parts.push(...floorDevices(department.data));
  return parts;
});
