import { useState } from 'react';
import { useScreen, useStation, useT } from '../context';
import { NoticeLine } from './NoticeLine';

/** A code typed or pasted by hand (no scanner at hand): the same path as a scan. */
export function ScanBar() {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [code, setCode] = useState('');
  return (
    <form
      className="scanbar"
      onSubmit={(e) => {
        e.preventDefault();
        const data = code.trim();
        if (!data) return;
        setCode('');
        void screen.submitScan(data);
      }}
    >
      <input data-testid="scan-input" aria-label={t('scanField')} placeholder={t('scanField')} value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
      <button type="submit" className="btn btn-secondary" data-testid="scan-submit" disabled={busy}>
        {t('submitScan')}
      </button>
      <NoticeLine field="scan" />
    </form>
  );
}
