/**
 * Date and time in the reader's language and the browser's time zone (the factory's, on the factory's PCs), as
 * `toLocaleString` wrote it for id-ID and en-GB ("07 Des, 03.58.51", "07 Dec, 03:58:51"), without Intl: the first
 * locale-aware format of a page loads that locale's ICU data, ~50 ms of the Floor's first render on a station-class PC
 * for the header's one "updated at".
 */
import type { Lang } from './messages';

const MONTHS: Record<Lang, readonly string[]> = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'],
};
const two = (n: number) => String(n).padStart(2, '0');

export function when(iso: string | null, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'Invalid Date';
  const sep = lang === 'id' ? '.' : ':';
  return `${two(d.getDate())} ${MONTHS[lang][d.getMonth()]}, ${[d.getHours(), d.getMinutes(), d.getSeconds()].map(two).join(sep)}`;
}
