import { randomBytes } from 'node:crypto';
import type { Actor } from '../lib/actor.js';
import { rng } from '../lib/random.js';
import { addDays, todayUtc } from '../lib/time.js';
import type { Services } from '../services.js';

/** What the demo needs: accounts, freezers and products. */
export type InventoryServices = Pick<Services, 'users' | 'freezers' | 'products'>;

/** Products of the original system's sample database (seed-data/freezer.sql): name, description, type id. */
const CATALOGUE: ReadonlyArray<readonly [string, string, number]> = [
  ['Glace au citron', 'Glace maison au citron vert', 24],
  ['Glace vanille', 'Glace à la vanille de Madagascar', 24],
  ['Soupe tomate', 'Soupe à la tomate verte', 1],
  ['Soupe de Noël', 'Soupe à base de tomate, brocoli et poisson', 1],
  ['Soupe champignon', 'Soupe aux champignons des bois', 1],
  ['Sorbet fraise', 'Sorbet à base de fraises du jardin', 25],
  ['Sorbet melon', 'Sorbet à base de melons', 25],
  ['Filet de dinde', 'Filet de dinde cuit', 7],
  ['Lapin', 'Lapin', 7],
  ['Filet de porc', 'Filet de porc', 7],
  ['Cabillaud', 'Filet de cabillaud premium', 13],
  ['Filet de sole', 'Filet de sole meunière', 13],
  ['Pommes', "Récolte de pommes de l'arbre du jardin", 28],
  ['Carottes', 'Carottes du jardin', 43],
  ['Épinards', 'Épinards frais du jardin', 43],
  ['Soupe repas cabillaud', 'Soupe repas au cabillaud et légumes de saison', 5],
  ['Soupe repas des Andes', 'Boulgour, lentilles et légumes', 3],
  ['Basilic', 'Basilic frais', 35],
  ['Moelleux au chocolat', 'Moelleux au chocolat fait maison', 40],
  ['Brochettes marinées', 'Brochettes marinées au curry', 12],
  ['Saucisses campagne', 'Saucisses de campagne', 12],
  ['Soupe aux poireaux', 'Soupe aux poireaux du jardin', 1],
  ['Soupe aux potirons', 'Soupe aux potirons', 1],
  ['Pain complet', 'Pain complet tranché', 27],
  ['Pizza margherita', 'Pizza maison', 33],
  ['Quiche lorraine', 'Quiche maison', 34],
  ['Lasagnes', 'Lasagnes maison', 22],
  ['Ratatouille', 'Ratatouille du potager', 21],
];

type Event = { date: string; kind: 'in'; item: number } | { date: string; kind: 'out'; item: number; portions: number | undefined };

/**
 * Creates demo@freezer-manager.local with three freezers and about fourteen months of history
 * (products put in, eaten whole or a few portions at a time), through the same services as the API.
 */
export async function seedDemo(services: InventoryServices): Promise<{ email: string; password: string; token: string; freezers: number; products: number; inside: number }> {
  const email = 'demo@freezer-manager.local';
  const password = randomBytes(9).toString('base64url');
  const { user, secret } = await services.users.register({ email, password, language: 'en' }, null);
  const actor: Actor = { userId: user.id, role: user.role, language: 'en', ip: null };

  const freezers = [];
  for (const [name, boxCount] of [['Kitchen freezer', 4], ['Garage chest freezer', 6], ['Cellar freezer', 3]] as const) {
    freezers.push(await services.freezers.create(actor, { name, boxCount }));
  }

  const random = rng(2018);
  const today = todayUtc();
  const events: Event[] = [];
  const itemCount = 140;
  for (let item = 0; item < itemCount; item += 1) {
    const dateIn = addDays(today, -Math.floor(random() * 425));
    events.push({ date: dateIn, kind: 'in', item });
    const roll = random();
    if (roll < 0.6) {
      // eaten: whole, or first a couple of portions then the rest
      const firstOut = addDays(dateIn, 7 + Math.floor(random() * 150));
      if (firstOut <= today) {
        const partial = random() < 0.3;
        events.push({ date: firstOut, kind: 'out', item, portions: partial ? 1 : undefined });
        const secondOut = addDays(firstOut, 5 + Math.floor(random() * 40));
        if (partial && secondOut <= today) events.push({ date: secondOut, kind: 'out', item, portions: undefined });
      }
    }
  }
  events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind === 'in' ? -1 : 1));

  const ids = new Map<number, number>();
  for (const event of events) {
    if (event.kind === 'in') {
      const [name, description, typeId] = CATALOGUE[Math.floor(random() * CATALOGUE.length)] as (typeof CATALOGUE)[number];
      const freezer = freezers[Math.floor(random() * freezers.length)] as (typeof freezers)[number];
      const product = await services.products.create(actor, {
        name,
        description,
        typeId,
        freezerId: freezer.id,
        box: 1 + Math.floor(random() * freezer.boxCount),
        dateIn: event.date,
        quantity: 2 + Math.floor(random() * 4),
      });
      ids.set(event.item, product.id);
    } else {
      const id = ids.get(event.item);
      if (id === undefined) continue;
      const product = await services.products.get(actor, id);
      if (!product.inside) continue;
      const portions = event.portions !== undefined && event.portions < product.quantity ? event.portions : undefined;
      await services.products.takeOut(actor, id, { ...(portions ? { portions } : {}), date: event.date });
    }
  }

  const all = await services.products.list(actor, { status: 'all', limit: 1 });
  const inside = await services.products.list(actor, { status: 'inside', limit: 1 });
  return { email, password, token: secret, freezers: freezers.length, products: all.total, inside: inside.total };
}
