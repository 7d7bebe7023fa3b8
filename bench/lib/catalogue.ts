/**
 * What people put in their freezers, by product type (the 43 default types of the initial migration):
 * how common each type is, and a few names in English and French. Words that the search scenario looks
 * for (SEARCH_TERMS) occur in these names, descriptions or type names.
 */

/** Relative frequency of each type id (1..43). */
export const TYPE_WEIGHTS: Readonly<Record<number, number>> = {
  1: 6, 2: 2, 3: 2, 4: 1.5, 5: 1, 6: 6, 7: 7, 8: 1, 9: 0.3, 10: 0.5, 11: 3, 12: 3, 13: 5, 14: 2, 15: 1.5,
  16: 2, 17: 1, 18: 1, 19: 1, 20: 3, 21: 2, 22: 3, 23: 1.5, 24: 4, 25: 2, 26: 1, 27: 6, 28: 5, 29: 3, 30: 2,
  31: 1.5, 32: 3, 33: 3, 34: 1.5, 35: 1.5, 36: 0.5, 37: 1, 38: 1.5, 39: 1, 40: 2, 41: 2, 42: 0.5, 43: 8,
};

type Names = ReadonlyArray<readonly [en: string, fr: string]>;

const SOUPS: Names = [
  ['Tomato soup', 'Soupe tomate'],
  ['Christmas soup', 'Soupe de Noël'],
  ['Mushroom soup', 'Soupe champignon'],
  ['Leek soup', 'Soupe aux poireaux'],
  ['Pumpkin soup', 'Soupe au potiron'],
  ['Carrot and cumin soup', 'Velouté carotte cumin'],
];
const MEAL_SOUPS: Names = [
  ['Andes meal soup', 'Soupe repas des Andes'],
  ['Cod meal soup', 'Soupe repas cabillaud'],
  ['Minestrone', 'Minestrone'],
  ['Chicken noodle soup', 'Soupe poulet vermicelles'],
];
const RED_MEAT: Names = [
  ['Minced beef', 'Haché de boeuf'],
  ['Beef steak', 'Steak de boeuf'],
  ['Lamb chops', "Côtelettes d'agneau"],
  ['Beef stew meat', 'Boeuf bourguignon (viande)'],
];
const WHITE_MEAT: Names = [
  ['Turkey fillet', 'Filet de dinde'],
  ['Chicken breast', 'Blanc de poulet'],
  ['Pork fillet', 'Filet de porc'],
  ['Rabbit', 'Lapin'],
  ['Chicken thighs', 'Cuisses de poulet'],
];
const BBQ: Names = [
  ['Marinated skewers', 'Brochettes marinées'],
  ['Country sausages', 'Saucisses campagne'],
  ['Merguez', 'Merguez'],
  ['Spare ribs', 'Travers de porc'],
];
const FISH: Names = [
  ['Cod fillet', 'Filet de cabillaud'],
  ['Sole fillet', 'Filet de sole'],
  ['Salmon steak', 'Pavé de saumon'],
  ['Trout', 'Truite'],
];
const PREPARED: Names = [
  ['Lasagne', 'Lasagnes'],
  ['Ratatouille', 'Ratatouille'],
  ['Chili con carne', 'Chili con carne'],
  ['Fish pie', 'Parmentier de poisson'],
  ['Vegetable curry', 'Curry de légumes'],
  ['Shepherd’s pie', 'Hachis parmentier'],
];
const ICE: Names = [
  ['Lemon ice cream', 'Glace au citron'],
  ['Vanilla ice cream', 'Glace vanille'],
  ['Strawberry sorbet', 'Sorbet fraise'],
  ['Melon sorbet', 'Sorbet melon'],
];
const BREAD: Names = [
  ['Wholemeal bread', 'Pain complet'],
  ['Baguette', 'Baguette'],
  ['Croissants', 'Croissants'],
  ['Brioche', 'Brioche'],
];
const FRUIT: Names = [
  ['Apples', 'Pommes'],
  ['Raspberries', 'Framboises'],
  ['Blackcurrants', 'Cassis'],
  ['Plums', 'Prunes'],
];
const VEGETABLES: Names = [
  ['Carrots', 'Carottes'],
  ['Spinach', 'Épinards'],
  ['Green beans', 'Haricots verts'],
  ['Peas', 'Petits pois'],
  ['Broccoli', 'Brocoli'],
];
const BAKED: Names = [
  ['Chocolate fondant', 'Moelleux au chocolat'],
  ['Apple pie', 'Tarte aux pommes'],
  ['Pizza margherita', 'Pizza margherita'],
  ['Quiche lorraine', 'Quiche lorraine'],
];
const OTHER: Names = [
  ['Basil', 'Basilic'],
  ['Tomato sauce', 'Sauce tomate'],
  ['Grated cheese', 'Fromage râpé'],
  ['Butter', 'Beurre'],
  ['Chips', 'Frites'],
  ['Ice cubes', 'Glaçons'],
  ['Cool pack', 'Pain de glace'],
];

/** Names for a type id. */
export function namesFor(typeId: number): Names {
  if (typeId === 1) return SOUPS;
  if (typeId <= 5) return MEAL_SOUPS;
  if (typeId === 6 || typeId === 8 || typeId === 9 || typeId === 10) return RED_MEAT;
  if (typeId === 7 || typeId === 11) return WHITE_MEAT;
  if (typeId === 12) return BBQ;
  if (typeId <= 15) return FISH;
  if (typeId <= 23) return PREPARED;
  if (typeId <= 25) return ICE;
  if (typeId === 27 || typeId === 32) return BREAD;
  if (typeId === 28) return FRUIT;
  if (typeId === 43) return VEGETABLES;
  if (typeId >= 30 && typeId <= 34) return BAKED;
  return OTHER;
}

export const DESCRIPTIONS: ReadonlyArray<readonly [en: string, fr: string]> = [
  ['', ''],
  ['', ''],
  ['homemade', 'fait maison'],
  ['from the garden', 'du jardin'],
  ['from the market', 'du marché'],
  ['for 4 people', 'pour 4 personnes'],
  ['leftovers', 'restes'],
  ['organic', 'bio'],
  ['tomato, broccoli, fish', 'tomate, brocoli, poisson'],
  ['bought on offer', 'en promotion'],
];

/** What the search scenario types: common words, in both languages, some matching type names only. */
export const SEARCH_TERMS: readonly string[] = [
  'soup', 'soupe', 'poulet', 'chicken', 'glace', 'pizza', 'tomat', 'cabillaud', 'lasagne', 'jardin', 'maison', 'beef',
  'boeuf', 'pain', 'bread', 'sorbet', 'légume', 'vegetable', 'viande', 'fish',
];

export const FREEZER_NAMES: readonly string[] = ['Kitchen', 'Garage chest freezer', 'Cellar', 'Basement upright', 'Holiday home'];

/** Portions per product: 1 (25 %), 2 (25 %), 3 (15 %), 4 (20 %), 5 (7 %), 6 (8 %). */
export const QUANTITY_WEIGHTS: Readonly<Record<number, number>> = { 1: 25, 2: 25, 3: 15, 4: 20, 5: 7, 6: 8 };
