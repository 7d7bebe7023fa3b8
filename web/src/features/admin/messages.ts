/** Texts of the admin panel (web B fills this feature). */
export const messages = {
  en: {
    title: 'Administration',
  },
  fr: {
    title: 'Administration',
  },
} as const;
