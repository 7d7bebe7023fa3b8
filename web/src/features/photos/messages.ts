/** Texts of the photos pages (web B fills this feature). */
export const messages = {
  en: {
    title: 'Photos',
    productPhotos: 'Photos of this product',
  },
  fr: {
    title: 'Photos',
    productPhotos: 'Photos de ce produit',
  },
} as const;
