import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, onSessionLost, setCsrfToken, unwrap } from './api/client';
import { useLanguage, type Language } from './i18n';

export interface SessionUser {
  id: number;
  email: string;
  language: Language;
  isAdmin: boolean;
}

interface SessionState {
  /** undefined while the session is being read, null when nobody is logged in. */
  user: SessionUser | null | undefined;
  /** Why the last session ended without a log-out (shown on the login page). */
  ended: boolean;
  /** The session could not be read (server unreachable). */
  loadError: unknown;
  login(email: string, password: string): Promise<SessionUser>;
  logout(): Promise<void>;
  reload(): Promise<void>;
  /** After a change of the account (language): the new user as the server answered it. */
  update(user: SessionUserSource): void;
}

type SessionUserSource = { id: number; email: string; language: Language; role: 'user' | 'admin' };

function toSessionUser(user: SessionUserSource): SessionUser {
  return { id: user.id, email: user.email, language: user.language, isAdmin: user.role === 'admin' };
}

const SessionContext = createContext<SessionState | null>(null);

/**
 * The logged-in user. After a page reload the session cookie (HttpOnly) is still there: GET
 * /api/v1/sessions/current answers the user and the session's CSRF token, which every write sends.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { setLanguage } = useLanguage();
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);

  const adopt = useCallback(
    (source: SessionUserSource, csrfToken?: string) => {
      if (csrfToken !== undefined) setCsrfToken(csrfToken);
      const next = toSessionUser(source);
      setLanguage(next.language);
      setUser(next);
      return next;
    },
    [setLanguage],
  );

  const reload = useCallback(async () => {
    setLoadError(null);
    try {
      const session = await unwrap(api.GET('/api/v1/sessions/current'));
      adopt(session.user, session.csrfToken);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setCsrfToken('');
        setUser(null);
      } else {
        setLoadError(err);
      }
    }
  }, [adopt]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(
    () =>
      onSessionLost(() => {
        setCsrfToken('');
        setEnded(true);
        setUser(null);
      }),
    [],
  );

  const login = useCallback(
    async (email: string, password: string) => {
      const session = await unwrap(api.POST('/api/v1/sessions', { body: { email, password } }));
      setEnded(false);
      return adopt(session.user, session.csrfToken);
    },
    [adopt],
  );

  const logout = useCallback(async () => {
    try {
      await unwrap(api.DELETE('/api/v1/sessions/current'));
    } finally {
      setCsrfToken('');
      setEnded(false);
      setUser(null);
    }
  }, []);

  const update = useCallback((source: SessionUserSource) => void adopt(source), [adopt]);

  const value = useMemo(() => ({ user, ended, loadError, login, logout, reload, update }), [user, ended, loadError, login, logout, reload, update]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The logged-in user, on pages that only render for one. */
export function useUser(): SessionUser {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a logged-in user');
  return user;
}
