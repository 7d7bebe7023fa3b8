import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromToday, signUp, startServer, uniqueEmail, type TestServer } from '../helpers.js';
import { newFreezer, putIn } from '../inventory-helpers.js';

/**
 * freezer_type_stats (per freezer and type: rows, products, latest take-out) is kept by the products
 * repository on every write, and personal trends read it. After every kind of product write, in a
 * seeded random order, it must equal what counting the products gives, and personal trends must equal
 * the grouping of the products that it replaced.
 */
describe('per-freezer type statistics behind personal trends', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.close());

  async function expectStatsMatchProducts(): Promise<void> {
    const db = server.app.db;
    const kept = await db.selectFrom('freezer_type_stats').select(['freezer_id', 'type_id', 'row_count', 'freq', 'latest']).where('row_count', '>', 0).orderBy('freezer_id').orderBy('type_id').execute();
    const counted = await db
      .selectFrom('products')
      .select((eb) => [
        'freezer_id',
        'type_id',
        eb.fn.countAll<number>().as('row_count'),
        eb.fn.count<number>(eb.case().when('source_product_id', 'is', null).then(1).end()).as('freq'),
        eb.fn.max('date_out').as('latest'),
      ])
      .groupBy(['freezer_id', 'type_id'])
      .orderBy('freezer_id')
      .orderBy('type_id')
      .execute();
    const norm = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ ...r, row_count: Number(r.row_count), freq: Number(r.freq), latest: r.latest ?? null }));
    expect(norm(kept)).toEqual(norm(counted));
    expect(counted.length).toBeGreaterThan(0);
  }

  /** Personal trends as they were computed before the statistics: grouping the user's products. */
  async function personalFromProducts(userId: number) {
    const rows = await server.app.db
      .selectFrom('products as p')
      .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'p.freezer_id').on('m.user_id', '=', userId))
      .select('p.type_id')
      .select((eb) => [eb.fn.count<number>(eb.case().when('p.source_product_id', 'is', null).then(1).end()).as('freq'), eb.fn.max('p.date_out').as('latest')])
      .groupBy('p.type_id')
      .orderBy(sql`max(p.date_out) is null`)
      .orderBy('latest', 'desc')
      .orderBy('freq', 'desc')
      .orderBy('p.type_id')
      .execute();
    return rows.map((r) => ({ typeId: r.type_id, freq: Number(r.freq), latest: r.latest ?? null }));
  }

  it('stay equal to the products through adds, take-outs, undos, moves, type and date changes and deletes', async () => {
    const owner = await signUp(server.url, { email: uniqueEmail('stats-owner') });
    const member = await signUp(server.url, { email: uniqueEmail('stats-member') });
    const freezers = [await newFreezer(owner.api, 'Garage', 6), await newFreezer(owner.api, 'Kitchen', 6)];
    // A shared freezer, as the legacy import makes them: both users' trends count it.
    await server.app.db.insertInto('freezer_members').values({ freezer_id: freezers[1].id, user_id: member.user.id, role: 'member', created_at: new Date().toISOString() }).execute();
    const ownFreezer = await newFreezer(member.api, 'Cellar', 4);

    let seed = 20261122;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const types = [1, 2, 3, 7, 43];
    const inside: number[] = [];
    const takenOut: number[] = [];
    for (let step = 0; step < 120; step += 1) {
      const op = random(8);
      if (op <= 2 || inside.length === 0) {
        const api = random(3) === 0 ? member.api : owner.api;
        const freezer = api === member.api ? [ownFreezer, freezers[1]][random(2)] : freezers[random(2)];
        const product = await putIn(api, freezer.id, 1 + random(4), { typeId: types[random(types.length)], quantity: 1 + random(4), dateIn: daysFromToday(-30 - random(100)) });
        inside.push(product.id);
        continue;
      }
      const id = inside[random(inside.length)]!;
      const api = (await owner.api.get(`/api/v1/products/${id}`)).status === 200 ? owner.api : member.api;
      if (op === 3) {
        const res = await api.post(`/api/v1/products/${id}/take-out`, { portions: 1, date: daysFromToday(-random(20)) });
        expect(res.status, res.text).toBe(200);
        if (!res.body.product.inside) inside.splice(inside.indexOf(id), 1);
        takenOut.push(res.body.takenOut.id);
      } else if (op === 4 && takenOut.length > 0) {
        const taken = takenOut.splice(random(takenOut.length), 1)[0]!;
        const res = await api.post(`/api/v1/products/${taken}/undo-take-out`);
        expect([200, 404, 409]).toContain(res.status);
        if (res.status === 200 && !inside.includes(res.body.id)) inside.push(res.body.id);
      } else if (op === 5) {
        const res = await api.patch(`/api/v1/products/${id}`, { typeId: types[random(types.length)] });
        expect(res.status, res.text).toBe(200);
      } else if (op === 6) {
        const target = api === member.api ? ownFreezer : freezers[random(2)];
        const res = await api.patch(`/api/v1/products/${id}`, { freezerId: target.id, box: 1 + random(4) });
        expect([200, 404]).toContain(res.status);
      } else {
        const res = await api.delete(`/api/v1/products/${id}`);
        expect(res.status, res.text).toBe(204);
        inside.splice(inside.indexOf(id), 1);
      }
      if (step % 20 === 19) await expectStatsMatchProducts();
    }
    // Whole take-outs of one freezer and type, the later date first: the pair's latest date out stays the later one.
    const pair = await newFreezer(owner.api, 'Chest', 2);
    const first = await putIn(owner.api, pair.id, 1, { typeId: 7, quantity: 1, dateIn: daysFromToday(-60) });
    const second = await putIn(owner.api, pair.id, 1, { typeId: 7, quantity: 2, dateIn: daysFromToday(-60) });
    expect((await owner.api.post(`/api/v1/products/${first.id}/take-out`, { date: daysFromToday(-2) })).status).toBe(200);
    await expectStatsMatchProducts();
    expect((await owner.api.post(`/api/v1/products/${second.id}/take-out`, { date: daysFromToday(-5) })).status).toBe(200);
    await expectStatsMatchProducts();
    const latest = await server.app.db.selectFrom('freezer_type_stats').select('latest').where('freezer_id', '=', pair.id).where('type_id', '=', 7).executeTakeFirst();
    expect(latest?.latest).toBe(daysFromToday(-2));

    // A product edited to have been taken out earlier, then put back inside.
    const edited = inside[0]!;
    const editor = (await owner.api.get(`/api/v1/products/${edited}`)).status === 200 ? owner.api : member.api;
    expect((await editor.patch(`/api/v1/products/${edited}`, { dateOut: daysFromToday(-1) })).status).toBe(200);
    await expectStatsMatchProducts();
    expect((await editor.patch(`/api/v1/products/${edited}`, { dateOut: null })).status).toBe(200);
    await expectStatsMatchProducts();

    for (const account of [owner, member]) {
      const trends = (await account.api.get('/api/v1/trends/personal')).body as Array<{ typeId: number; freq: number; latest: string | null }>;
      expect(trends.map((t) => ({ typeId: t.typeId, freq: t.freq, latest: t.latest }))).toEqual(await personalFromProducts(account.user.id));
    }
  });
});
