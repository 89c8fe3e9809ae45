import { useT } from '../context';

/**
 * A view whose live data has not been read yet: said so (busy), rather than its lists shown empty ("no station
 * enrolled yet", "no alerts") while the first read is on its way.
 */
export function ViewLoading(props: { label: string }) {
  const { t } = useT();
  return (
    <main className="main" aria-label={props.label} aria-busy="true" data-testid="view-loading">
      <p className="card">{t('loading')}</p>
    </main>
  );
}
