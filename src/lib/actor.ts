import type { Language } from '../i18n/messages.js';

/** Who is doing something, as the services see it: the authenticated user and where the request came from. */
export interface Actor {
  userId: number;
  role: 'user' | 'admin';
  language: Language;
  ip: string | null;
}
