/** The reports' stylesheet (print rules, labels and badges in mm): bundled with the screen, so the CSP allows it. */
import './reports.css';

/** The one-click Print button (hidden on paper: reports.css prints only the `.print-area`). */
export function PrintButton({ label, testId }: { label: string; testId: string }) {
  return (
    <button type="button" className="btn btn-primary no-print" data-testid={testId} onClick={() => window.print()}>
      {label}
    </button>
  );
}
