/** The screen (store + commands) for every component, and the hooks that read it. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Bilingual } from '../../shared/api';
import type { StationScreen, StationScreenState } from './store';
import { UI, format, type UiKey } from './messages';

export const ScreenContext = createContext<StationScreen | null>(null);

export function useScreen(): StationScreen {
  const screen = useContext(ScreenContext);
  if (!screen) throw new Error('StationScreen missing: render inside <ScreenContext.Provider>');
  return screen;
}

export function useStation<T>(select: (s: StationScreenState) => T): T {
  return useStore(useScreen().store, select);
}

/** The operator's language: `t('login')`, `t('since', { time })`, `tb({ en, id })` for texts that come with both. */
export function useT(): { t: (key: UiKey, vars?: Record<string, string | number>) => string; tb: (b: Bilingual) => string; lang: 'id' | 'en' } {
  const lang = useStation((s) => s.lang);
  return {
    lang,
    t: (key, vars) => format(UI[key][lang], vars),
    tb: (b) => b[lang],
  };
}
