// UI preferences that belong to the workstation, not the user account: light/dark theme and
// "simple mode" (a large font for older staff, per the tier 3-4 city strategy). Kept in the
// webview's localStorage, like the language.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type ThemeMode = 'light' | 'dark';

export interface Preferences {
  theme: ThemeMode;
  simple: boolean;
  setTheme: (theme: ThemeMode) => void;
  setSimple: (simple: boolean) => void;
}

const THEME_KEY = 'onecard.theme';
const SIMPLE_KEY = 'onecard.simple';

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // Storage unavailable: the choice still holds for this session.
  }
}

const PreferencesContext = createContext<Preferences | null>(null);

export function PreferencesProvider({ children }: { children: ReactNode }) {
  const [theme, setThemeState] = useState<ThemeMode>(() => (read(THEME_KEY) === 'dark' ? 'dark' : 'light'));
  const [simple, setSimpleState] = useState(() => read(SIMPLE_KEY) === 'true');
  const setTheme = useCallback((value: ThemeMode) => {
    setThemeState(value);
    write(THEME_KEY, value);
  }, []);
  const setSimple = useCallback((value: boolean) => {
    setSimpleState(value);
    write(SIMPLE_KEY, String(value));
  }, []);
  const value = useMemo(() => ({ theme, simple, setTheme, setSimple }), [theme, simple, setTheme, setSimple]);
  return <PreferencesContext.Provider value={value}>{children}</PreferencesContext.Provider>;
}

export function usePreferences(): Preferences {
  const value = useContext(PreferencesContext);
  if (value === null) throw new Error('usePreferences outside PreferencesProvider');
  return value;
}
