import type { Department } from '../../../shared/master';
import { DEPARTMENT } from '../messages';
import { useT } from '../context';

export const DEPARTMENTS = Object.keys(DEPARTMENT) as Department[];

/** The departments as a select's options, in the reader's language. */
export function DepartmentOptions() {
  const { tb } = useT();
  return (
    <>
      {DEPARTMENTS.map((d) => (
        <option key={d} value={d}>
          {tb(DEPARTMENT[d])}
        </option>
      ))}
    </>
  );
}
