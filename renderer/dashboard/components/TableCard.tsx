import type { ReactNode } from 'react';
import type { UiKey } from '../messages';
import { useT } from '../context';

/** A titled card holding one table (column heads from the catalogue), or a sentence when there is nothing to list. */
export function TableCard<T>(props: {
  testId: string;
  title: UiKey;
  empty: UiKey;
  columns: readonly UiKey[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowTestId?: (row: T) => string;
  /** The row's cells: a `<th scope="row">` first, then `<td>`s. */
  cells: (row: T) => ReactNode;
  /** Under the heading, before the table (a search box, "show all"). */
  toolbar?: ReactNode;
}) {
  const { t } = useT();
  const headId = `${props.testId}-h`;
  return (
    <section className="card" aria-labelledby={headId} data-testid={props.testId}>
      <h2 id={headId}>{t(props.title)}</h2>
      {props.toolbar}
      {props.rows.length === 0 ? (
        <p>{t(props.empty)}</p>
      ) : (
        <table>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c} scope="col">
                  {t(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr key={props.rowKey(row)} data-testid={props.rowTestId?.(row)}>
                {props.cells(row)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A row's heading cell: the thing's id, with a smaller second line. */
export function RowHead({ main, sub }: { main: ReactNode; sub: ReactNode }) {
  return (
    <th scope="row">
      {main}
      <div className="small">{sub}</div>
    </th>
  );
}
