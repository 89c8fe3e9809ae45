/** The dashboard (store + actions) for every component, and the hooks that read it. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Bilingual } from '../../shared/api';
import { UI, format, type Lang, type UiKey } from './messages';
import type { Dashboard, DashboardState } from './store';

export { when } from './when';

export const DashboardContext = createContext<Dashboard | null>(null);

export function useDashboard(): Dashboard {
  const d = useContext(DashboardContext);
  if (!d) throw new Error('Dashboard missing: render inside <DashboardContext.Provider>');
  return d;
}

export function useDash<T>(select: (s: DashboardState) => T): T {
  return useStore(useDashboard().store, select);
}

export function useT(): { t: (key: UiKey, vars?: Record<string, string | number>) => string; tb: (b: Bilingual) => string; lang: Lang } {
  const lang = useDash((s) => s.lang);
  return { lang, t: (key, vars) => format(UI[key][lang], vars), tb: (b) => b[lang] };
}
