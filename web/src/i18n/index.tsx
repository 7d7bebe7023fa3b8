import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from '../api/client';
import { catalogs, type Namespace } from './catalogs';

export type Language = 'en' | 'fr';
export const LANGUAGES: readonly Language[] = ['en', 'fr'];

type Params = Record<string, string | number>;
export type Translate<N extends Namespace> = (key: keyof (typeof catalogs)[N]['en'], params?: Params) => string;

/** The browser's preferred language among ours, English when it prefers neither. */
export function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

const STORAGE_KEY = 'fm:language';

/** The language this browser last used (a user's setting, or a choice made before logging in), else the browser's. */
function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'fr') return stored;
  } catch {
    // storage refused: the browser's language
  }
  return browserLanguage();
}

interface LanguageState {
  language: Language;
  setLanguage(language: Language): void;
}

const LanguageContext = createContext<LanguageState | null>(null);

/**
 * Holds the interface language: the logged-in user's setting (set by the session); logged out, the
 * last one used in this browser, else the browser's.
 */
export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  setApiLanguage(language);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    setApiLanguage(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // storage refused: the language lasts as long as the page
    }
    setLanguageState(next);
  }, []);
  const value = useMemo(() => ({ language, setLanguage }), [language, setLanguage]);
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageState {
  const state = useContext(LanguageContext);
  if (!state) throw new Error('useLanguage outside LanguageProvider');
  return state;
}

function format(text: string, params: Params | undefined): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The texts of one namespace (a feature's messages.ts) in the current language; `{name}` placeholders are filled from params. */
export function useT<N extends Namespace>(namespace: N): Translate<N> {
  const { language } = useLanguage();
  return useCallback(
    (key, params) => {
      const table = catalogs[namespace][language] as Record<string, string>;
      return format(table[key as string] ?? String(key), params);
    },
    [namespace, language],
  );
}

/** Dates as the user reads them (e.g. 3 Mar 2026 / 3 mars 2026); plain YYYY-MM-DD dates are not shifted by the time zone. */
export function formatDate(value: string | null | undefined, language: Language): string {
  if (!value) return '';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}
