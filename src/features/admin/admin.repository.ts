import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';

export const adminRepository = {
  async stats(db: Kysely<Database>) {
    const [users, products, freezers, photos] = await Promise.all([
      db
        .selectFrom('users')
        .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('disabled_at').as('disabled')])
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('products')
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          eb.fn.count<number>('date_out').as('out'),
          eb.fn.coalesce(eb.fn.sum<number>(eb.case().when('date_out', 'is', null).then(eb.ref('quantity')).else(0).end()), eb.lit(0)).as('portions_inside'),
        ])
        .executeTakeFirstOrThrow(),
      db.selectFrom('freezers').select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
      db
        .selectFrom('photos')
        .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes')])
        .executeTakeFirstOrThrow(),
    ]);
    return {
      users: Number(users.total),
      disabledUsers: Number(users.disabled),
      products: Number(products.total),
      productsOut: Number(products.out),
      portionsInside: Number(products.portions_inside),
      freezers: Number(freezers.total),
      photos: Number(photos.total),
      photoBytes: Number(photos.bytes),
    };
  },
};
