/**
 * An office (dashboard) step on an alert is decided by the floor's lifecycle: in order, nothing on a closed alert, a
 * halt's alert never closed while its line is halted (only the station's release closes it), and a closed alert leaves
 * its line's list of open alerts. The signer is the dashboard account, marked as the office's.
 */
import { describe, expect, it } from 'vitest';
import { stateReader, withChanges, type AlertDoc, type FloorState } from '../docs';
import { fixtureMaster, lineOf, mo, supervisorOf } from '../testing/fixtures';
import { Floor } from '../testing/flow';
import { uuidv7 } from '../ids';
import { decideOfficeAlertStep, officeAccountOf, type OfficeAlertAction, type OfficeSigner } from './office-alerts';

const LINE = lineOf('finishing');
const SARI: OfficeSigner = { accountId: 'sari', role: 'supervisor' };
let clock = Date.UTC(2026, 10, 21, 8);
const hlc = () => `${String((clock += 1000)).padStart(13, '0')}-00000-office`;

function step(state: FloorState, alertId: string, action: OfficeAlertAction, note = 'looked at it on the dashboard', signer = SARI) {
  const alert = state.alert[alertId] as AlertDoc;
  return decideOfficeAlertStep(stateReader(state, true), { alert, department: 'finishing', action, signer, note, eventId: uuidv7(), hlc: hlc() });
}

/** Applies an office step that must pass. */
function take(floor: Floor, alertId: string, action: OfficeAlertAction, note?: string, signer?: OfficeSigner): AlertDoc {
  const d = step(floor.state, alertId, action, note, signer);
  if (d.ok !== true) throw new Error(`office ${action} refused: ${JSON.stringify(d)}`);
  floor.state = withChanges(floor.state, d.changes);
  return floor.state.alert[alertId] as AlertDoc;
}

const code = (d: ReturnType<typeof step>) => (d.ok === false ? d.refusal.code : String(d.ok));

describe('an alert step from the office', () => {
  it('a detector fault goes raised → acknowledged → investigating → closed, each step signed by the account as the office', () => {
    const floor = new Floor([mo(1)], fixtureMaster(), () => clock);
    const fault = floor.do('finishing', { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 1, description: 'belt jam' } }, null);
    expect(floor.state.line[LINE]?.alerts).toEqual([fault.id]);

    take(floor, fault.id, 'acknowledge', '');
    expect(code(step(floor.state, fault.id, 'acknowledge'))).toBe('alert_out_of_order');
    take(floor, fault.id, 'investigate', 'belt checked', { accountId: 'qc-any', role: 'qc' });
    expect(code(step(floor.state, fault.id, 'investigate'))).toBe('alert_out_of_order');
    const closed = take(floor, fault.id, 'close', 'belt cleaned, test pieces detected');
    expect(closed).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
    expect(closed.steps?.map((s) => [s.status, officeAccountOf(s.by), s.note])).toEqual([
      ['acknowledged', 'sari', ''],
      ['investigating', 'qc-any', 'belt checked'],
      ['closed', 'sari', 'belt cleaned, test pieces detected'],
    ]);
    // Closed: off the line's list, and nothing more to do.
    expect(floor.state.line[LINE]?.alerts).toEqual([]);
    expect(code(step(floor.state, fault.id, 'acknowledge'))).toBe('alert_closed');
    expect(code(step(floor.state, fault.id, 'close'))).toBe('alert_closed');
  });

  it('a metal detection halt: acknowledged and investigated from the office, never closed while halted; the station’s release closes it', () => {
    const floor = new Floor([mo(1)], fixtureMaster(), () => clock);
    const det = floor.do('finishing', { type: 'md.detection', payload: { lineId: LINE, deviceId: 'MD01', metal: 'fe' } }, null);
    take(floor, det.id, 'acknowledge');
    take(floor, det.id, 'investigate', 'checking the rejected piece');
    const refused = step(floor.state, det.id, 'close', 'I would like it closed', { accountId: 'boss', role: 'admin' });
    expect(code(refused)).toBe('alert_cause_active');
    expect(floor.state.line[LINE]?.halt?.haltId).toBe(det.id);

    floor.do('finishing', {
      type: 'line.released',
      payload: { lineId: LINE, haltId: det.id, supervisorId: supervisorOf('finishing'), disposition: 'destroyed', correctiveAction: 'piece destroyed' },
    });
    expect(floor.state.alert[det.id]).toMatchObject({ status: 'closed', closedBecause: 'line_released' });
    expect(code(step(floor.state, det.id, 'close'))).toBe('alert_closed');
  });
});
