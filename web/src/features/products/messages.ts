/** Texts of the products: list, detail, add, edit, move, take out. */
export const messages = {
  en: {
    productTitle: 'Product',
  },
  fr: {
    productTitle: 'Produit',
  },
} as const;
