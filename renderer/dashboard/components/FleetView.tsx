import { useState, type FormEvent } from 'react';
import type { FleetStation, NewStationCodeInput } from '../../../sync-server/dashboard/contract';
import type { Department } from '../../../shared/master';
import { ViewLoading } from './ViewLoading';
import { useDash, useDashboard, useT, when } from '../context';
import { Notice } from './Notice';
import { usePlace } from './place';
import { DepartmentOptions } from './DepartmentOptions';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];
const EMPTY: NewStationCodeInput = { stationId: '', department: 'sewing', name: '' };

/** Admins: a one-time code for a station, shown once below the form. */
function EnrollStation() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const issued = useDash((s) => s.issuedCode);
  const pending = useDash((s) => s.fleet?.pendingCodes ?? NONE);
  const { t, lang } = useT();
  const [draft, setDraft] = useState<NewStationCodeInput>(EMPTY);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = draft.name?.trim();
    void dashboard.issueCode({ stationId: draft.stationId, department: draft.department, ...(name ? { name } : {}) }).then((ok) => ok && setDraft(EMPTY));
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="enroll-h" data-testid="enroll-station" noValidate>
      <h2 id="enroll-h">{t('enrollStation')}</h2>
      <div className="form-row">
        <label className="field">
          {t('stationId')}
          <input data-testid="enroll-id" placeholder="ST-SEW-1" value={draft.stationId} onChange={(e) => setDraft({ ...draft, stationId: e.target.value.toUpperCase() })} />
        </label>
        <label className="field">
          {t('department')}
          <select data-testid="enroll-department" value={draft.department} onChange={(e) => setDraft({ ...draft, department: e.target.value as Department })}>
            <DepartmentOptions />
          </select>
        </label>
        <label className="field">
          {t('name')}
          <input data-testid="enroll-name" value={draft.name ?? ''} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>
      </div>
      <button className="btn btn-primary btn-touch" type="submit" disabled={busy} aria-busy={busy} data-testid="enroll-go">
        {busy ? t('working') : t('issueCode')}
      </button>
      {issued ? (
        <div className="code-once" role="status">
          <div className="code" data-testid="issued-code">
            {issued.code}
          </div>
          <p>{t('codeOnce', { id: issued.stationId, time: when(issued.expiresAt, lang) })}</p>
        </div>
      ) : null}
      {pending.length > 0 ? <p className="small" data-testid="pending-codes">{t('pendingCodes', { ids: pending.map((c) => c.stationId).join(', ') })}</p> : null}
    </form>
  );
}

/** Revoking takes two taps: Revoke, then "Revoke ST-… now" (or Cancel). */
function RevokeButton({ station }: { station: FleetStation }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [asking, setAsking] = useState(false);
  if (station.revoked) return null;
  if (!asking) {
    return (
      <button type="button" className="btn btn-secondary btn-touch" onClick={() => setAsking(true)} data-testid={`revoke-${station.id}`}>
        {t('revoke')}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="btn btn-danger btn-touch" disabled={busy} aria-busy={busy} onClick={() => void dashboard.revokeStation(station.id).then(() => setAsking(false))} data-testid={`revoke-confirm-${station.id}`}>
        {busy ? t('working') : t('confirmRevoke', { id: station.id })}
      </button>
      <button type="button" className="btn btn-secondary btn-touch" onClick={() => setAsking(false)}>
        {t('cancel')}
      </button>
    </span>
  );
}

/** Every station with its health from the heartbeat; admins enroll and revoke. */
export function FleetView() {
  const stations = useDash((s) => s.fleet?.stations ?? NONE);
  const read = useDash((s) => s.fleet !== null);
  const admin = useDash((s) => s.session?.account.role === 'admin');
  const { t, lang } = useT();
  const place = usePlace();
  if (!read) return <ViewLoading label={t('view.fleet')} />;
  return (
    <main className="main" aria-label={t('view.fleet')}>
      <Notice />
      <div className="grid grid-wide">
        {admin ? <EnrollStation /> : null}
        <TableCard
          testId="fleet"
          title="fleet"
          empty="noStations"
          columns={['station', 'status', 'lastSync', 'backlog', 'clockSkew', 'appVersion', 'devices']}
          rows={stations}
          rowKey={(s) => s.id}
          rowTestId={(s) => `fleet-${s.id}`}
          cells={(s) => (
            <>
              <RowHead main={s.id} sub={`${s.name} · ${place(s.department)}`} />
              <td data-testid={`fleet-status-${s.id}`}>
                <span className={`pill ${s.revoked ? 'pill-muted' : s.online ? 'pill-ok' : 'pill-bad'}`}>{t(s.revoked ? 'revoked' : s.online ? 'online' : 'offline')}</span>
                {admin ? <RevokeButton station={s} /> : null}
              </td>
              <td>{s.lastSyncAt ? when(s.lastSyncAt, lang) : t('never')}</td>
              <td className="num">{s.backlog ?? '—'}</td>
              <td className="num">{s.clockSkewMs === null ? '—' : `${(s.clockSkewMs / 1000).toFixed(1)} s`}</td>
              <td>{s.appVersion ?? '—'}</td>
              <td data-testid={`fleet-devices-${s.id}`}>
                {s.devices.length === 0
                  ? t('noDevices')
                  : s.devices.map((d) => (
                      <div key={d.deviceId}>
                        {d.deviceId}: <span className={d.connected ? 'ok-text' : 'bad-text'}>{t(d.connected ? 'connected' : 'disconnected')}</span>
                        {d.faults > 0 ? ` · ${t('faults', { n: d.faults })}` : ''}
                        {d.message ? <span className="small"> ({d.message})</span> : null}
                      </div>
                    ))}
              </td>
            </>
          )}
        />
      </div>
    </main>
  );
}
