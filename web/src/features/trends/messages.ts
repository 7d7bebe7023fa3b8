/** Texts of the trends page (web B fills this feature). */
export const messages = {
  en: {
    title: 'Trends',
  },
  fr: {
    title: 'Tendances',
  },
} as const;
