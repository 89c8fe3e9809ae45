import type { Bilingual } from '../../../shared/api';
import { DEPARTMENT } from '../messages';
import { useT } from '../context';

const SUBCON: Bilingual = { en: 'Subcontractor', id: 'Subkon' };

/** A place on a route (a department, or the subcontractor) in the reader's language. */
export function usePlace(): (place: string) => string {
  const { tb } = useT();
  return (place) => tb((DEPARTMENT as Record<string, Bilingual>)[place] ?? (place === 'subcon' ? SUBCON : { en: place, id: place }));
}
