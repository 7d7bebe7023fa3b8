/** Texts of the dashboard and the freezers. */
export const messages = {
  en: {
    dashboardTitle: 'Dashboard',
  },
  fr: {
    dashboardTitle: 'Tableau de bord',
  },
} as const;
