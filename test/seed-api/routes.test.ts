import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, daysFromToday, signUp, startServer, type TestServer } from '../helpers.js';
import { addFreezer, addProduct, expectSeed, productBody, products, seedApi, unchanged, type SeedApi } from './seed-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

async function newUser(language?: 'en' | 'fr'): Promise<SeedApi> {
  const { token } = await signUp(server.url, language ? { language } : {});
  return seedApi(server.url, token);
}

const PRODUCT_KEYS = [
  'box_num',
  'date_formatted_in',
  'date_formatted_out',
  'descr_id',
  'freezer_id',
  'freezer_name',
  'period',
  'prod_num',
  'product_name',
  'quantity',
  'text_descr',
  'type_id',
];

describe('check_token and types', () => {
  it('answers 200 {status, details} for a token from POST /api/v1/users', async () => {
    const api = await newUser();
    expectSeed(await api.get('/check_token'), 200);
  });

  it('answers 400 {status, details} for an unknown or malformed token', async () => {
    for (const token of ['fm_unknownunknownunknownunknownunknownunknown12', 'abc', '%20', "x'or'1'='1"]) {
      expectSeed(await seedApi(server.url, encodeURIComponent(token)).get('/check_token'), 400);
    }
  });

  it('lists the 43 product types of the report with type_id, type_name_en and type_name_fr only', async () => {
    const api = await newUser();
    const res = await api.get('/types');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(43);
    expect(res.body[0]).toEqual({ type_id: 1, type_name_en: 'soup', type_name_fr: 'soupe' });
    expect(res.body[1]).toEqual({ type_id: 2, type_name_en: 'meal soup', type_name_fr: 'soupe repas' });
    for (const type of res.body) expect(Object.keys(type)).toEqual(['type_id', 'type_name_en', 'type_name_fr']);
  });
});

describe('freezers', () => {
  it('GET lists the caller’s freezers as [{freezer_id, freezer_name, number_boxes}], an empty array at first', async () => {
    const api = await newUser();
    const empty = await api.get('/freezers');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
    const id = await addFreezer(api, 'freezer cave', '6');
    const res = await api.get('/freezers');
    expect(res.body).toEqual([{ freezer_id: id, freezer_name: 'freezer cave', number_boxes: 6 }]);
  });

  it('POST accepts numbers as numbers or numeric strings and answers exactly 200 {status: 200, details}', async () => {
    const api = await newUser();
    expectSeed(await api.post('/freezers', { num_boxes: '4', name: 'my_name' }), 200);
    expectSeed(await api.post('/freezers', { name: 'second', num_boxes: 3 }), 200);
    const list = (await api.get('/freezers')).body;
    expect(list.map((f: any) => [f.freezer_name, f.number_boxes])).toEqual([
      ['my_name', 4],
      ['second', 3],
    ]);
  });

  it('PUT changes the name or the number of boxes; "" leaves a field unchanged', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'old name', 4);
    expectSeed(await api.put('/freezers', { freezer_id: String(id), num_boxes: '', name: 'new name' }), 200);
    expect((await api.get('/freezers')).body).toEqual([{ freezer_id: id, freezer_name: 'new name', number_boxes: 4 }]);
    expectSeed(await api.put('/freezers', { name: '', num_boxes: '7', freezer_id: id }), 200);
    expect((await api.get('/freezers')).body).toEqual([{ freezer_id: id, freezer_name: 'new name', number_boxes: 7 }]);
  });

  it('PUT refuses fewer boxes than the highest box holding a product (400)', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 5);
    await addProduct(api, id, { box_num: '5' });
    expectSeed(await api.put('/freezers', { freezer_id: id, num_boxes: '4', name: '' }), 400);
    expect((await api.get('/freezers')).body[0].number_boxes).toBe(5);
  });

  it('DELETE removes an empty freezer with 200 {status, details}', async () => {
    const api = await newUser();
    const keep = await addFreezer(api, 'keep');
    const gone = await addFreezer(api, 'gone');
    expectSeed(await api.delete('/freezers', { freezer_id: String(gone) }), 200);
    expect((await api.get('/freezers')).body.map((f: any) => f.freezer_id)).toEqual([keep]);
  });
});

describe('freezer_next_id', () => {
  it('answers {"<box>": next free number} for every box, 1 for an empty box', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 4);
    const res = await api.get(`/freezer_next_id/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ '1': 1, '2': 1, '3': 1, '4': 1 });
    await addProduct(api, id, { box_num: '1', prod_num: '1' });
    await addProduct(api, id, { box_num: '1', prod_num: '2' });
    await addProduct(api, id, { box_num: '2', prod_num: '1' });
    expect((await api.get(`/freezer_next_id/${id}`)).body).toEqual({ '1': 3, '2': 2, '3': 1, '4': 1 });
  });
});

describe('get_product', () => {
  it('answers the report’s objects: sorted keys, YYYY-MM-DD dates, date_formatted_out null while inside, descr_id = product id', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'frigo 1', 2);
    await addProduct(api, id, { product_name: 'glace vanille', text_descr: 'maison', type_id: '24', date_in: '2016-12-31', period: 6, box_num: 1, prod_num: 2, quantity: 1 });
    const [p] = await products(api);
    expect(Object.keys(p)).toEqual(PRODUCT_KEYS);
    expect(p).toMatchObject({
      box_num: 1,
      date_formatted_in: '2016-12-31',
      date_formatted_out: null,
      freezer_id: id,
      freezer_name: 'frigo 1',
      period: 6,
      prod_num: 2,
      product_name: 'glace vanille',
      quantity: 1,
      text_descr: 'maison',
      type_id: 24,
    });
    const v1 = await client(server.url, api.token).get('/api/v1/products?status=all');
    expect(p.descr_id).toBe(v1.body.items[0].id);
  });

  it('selects all, inside or outside products, of one freezer or (0) of all the caller’s freezers', async () => {
    const api = await newUser();
    const a = await addFreezer(api, 'a', 2);
    const b = await addFreezer(api, 'b', 2);
    await addProduct(api, a, { product_name: 'in a', prod_num: '1' });
    await addProduct(api, a, { product_name: 'out a', prod_num: '2' });
    await addProduct(api, b, { product_name: 'in b', prod_num: '1' });
    expectSeed(await api.post(`/update_product/${a}/1/2/1`, unchanged({ date_out: '2018-03-01' })), 200);
    const names = (list: any[]) => list.map((p) => p.product_name).sort();
    expect(names(await products(api, 'all', 0))).toEqual(['in a', 'in b', 'out a']);
    expect(names(await products(api, 'inside', 0))).toEqual(['in a', 'in b']);
    expect(names(await products(api, 'outside', 0))).toEqual(['out a']);
    expect(names(await products(api, 'all', a))).toEqual(['in a', 'out a']);
    expect(names(await products(api, 'inside', b))).toEqual(['in b']);
    expect(await products(api, 'outside', b)).toEqual([]);
    const out = (await products(api, 'outside', a))[0];
    expect(out.date_formatted_out).toBe('2018-03-01');
  });

  it('answers 400 for a selection other than all, inside or outside', async () => {
    const api = await newUser();
    expectSeed(await api.get('/get_product/everything/0'), 400);
  });
});

describe('add_product', () => {
  it('accepts every value as a string and a date-time for date_in (its date part is kept)', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    expectSeed(await api.post('/add_product', productBody(id, { date_in: '2018-02-05T10:30', box_num: '3', prod_num: '7' })), 200);
    const [p] = await products(api, 'inside', id);
    expect(p).toMatchObject({ date_formatted_in: '2018-02-05', box_num: 3, prod_num: 7, quantity: 4, period: 6, type_id: 1 });
  });

  it('accepts the keys in any order and numbers as JSON numbers', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    const body = { quantity: 2, prod_num: 1, box_num: 2, period: 3, date_in: daysFromToday(-1), type_id: 5, freezer_id: id, text_descr: '', product_name: 'x' };
    expectSeed(await api.post('/add_product', body), 200);
    expect((await products(api))[0]).toMatchObject({ quantity: 2, prod_num: 1, box_num: 2, period: 3, type_id: 5, text_descr: '' });
  });
});

describe('update_product', () => {
  it('changes the fields sent and keeps those sent as "", keys in any order', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    await addProduct(api, id);
    const body = unchanged({ quantity: '2', product_name: 'Soupe du lendemain' });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, reordered), 200);
    const [p] = await products(api);
    expect(p).toMatchObject({ product_name: 'Soupe du lendemain', quantity: 2, text_descr: 'tomate, brocoli et poisson', date_formatted_in: '2018-02-05', box_num: 1, prod_num: 1, period: 6 });
  });

  it('takes a product out with date_out, finds it again with inside = 0, and puts it back with date_out null', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    await addProduct(api, id);
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-03-01T18:00' })), 200);
    expect(await products(api, 'inside')).toEqual([]);
    expect((await products(api, 'outside'))[0].date_formatted_out).toBe('2018-03-01');
    // inside > 0 no longer finds it: nothing is inside that slot
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ quantity: '1' })), 400);
    expectSeed(await api.post(`/update_product/${id}/1/1/0`, unchanged({ date_out: null })), 200);
    const [back] = await products(api, 'inside');
    expect(back.date_formatted_out).toBeNull();
  });

  it('with inside = 0 changes the product most recently taken out of that slot', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 2);
    await addProduct(api, id, { product_name: 'first' });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-03-01' })), 200);
    await addProduct(api, id, { product_name: 'second', date_in: '2018-03-02' });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-04-01' })), 200);
    expectSeed(await api.post(`/update_product/${id}/1/1/0`, unchanged({ text_descr: 'eaten last' })), 200);
    const out = await products(api, 'outside');
    expect(out.find((p) => p.product_name === 'second').text_descr).toBe('eaten last');
    expect(out.find((p) => p.product_name === 'first').text_descr).toBe('tomate, brocoli et poisson');
  });

  it('moves a product to a free number (200) and refuses a number taken inside the box (400)', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    await addProduct(api, id, { product_name: 'one', prod_num: '1' });
    await addProduct(api, id, { product_name: 'two', prod_num: '2' });
    expectSeed(await api.post(`/update_product/${id}/1/2/1`, unchanged({ prod_num: '1' })), 400);
    expectSeed(await api.post(`/update_product/${id}/1/2/1`, unchanged({ box_num: '3', prod_num: '9' })), 200);
    const moved = (await products(api)).find((p) => p.product_name === 'two');
    expect([moved.box_num, moved.prod_num]).toEqual([3, 9]);
  });

  it('answers 400 when no product matches the freezer, box and number', async () => {
    const api = await newUser();
    const id = await addFreezer(api, 'f', 3);
    await addProduct(api, id);
    expectSeed(await api.post(`/update_product/${id}/1/5/1`, unchanged({ quantity: '1' })), 400);
    expectSeed(await api.post(`/update_product/${id}/2/1/1`, unchanged({ quantity: '1' })), 400);
    expectSeed(await api.post(`/update_product/${id}/1/1/0`, unchanged({ quantity: '1' })), 400);
    expect((await products(api))[0].quantity).toBe(4);
  });
});

describe('tendencies', () => {
  it('general_tendency answers an array of {freq (integer), type_id, type_name_en, type_name_fr}, most frequent first, over everybody', async () => {
    const a = await newUser();
    const b = await newUser();
    const fa = await addFreezer(a, 'f', 3);
    const fb = await addFreezer(b, 'f', 3);
    const before = (await a.get('/general_tendency')).body as any[];
    const count = (list: any[], type: number) => list.find((t) => t.type_id === type)?.freq ?? 0;
    await addProduct(a, fa, { type_id: '30', prod_num: '1' });
    await addProduct(a, fa, { type_id: '30', prod_num: '2' });
    await addProduct(b, fb, { type_id: '30', prod_num: '1' });
    await addProduct(b, fb, { type_id: '31', prod_num: '2' });
    const res = await a.get('/general_tendency');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    for (const t of res.body) {
      expect(Object.keys(t)).toEqual(['freq', 'type_id', 'type_name_en', 'type_name_fr']);
      expect(Number.isInteger(t.freq)).toBe(true);
    }
    expect(count(res.body, 30) - count(before, 30)).toBe(3);
    expect(count(res.body, 31) - count(before, 31)).toBe(1);
    const freqs = res.body.map((t: any) => t.freq);
    expect(freqs).toEqual([...freqs].sort((x, y) => y - x));
  });

  it('custom_tendency answers the caller’s types as [{freq, latest, type_id, type_name_en, type_name_fr}], latest taken out first', async () => {
    const api = await newUser();
    const other = await newUser();
    await addProduct(other, await addFreezer(other, 'f', 2), { type_id: '40' });
    const id = await addFreezer(api, 'f', 3);
    await addProduct(api, id, { type_id: '1', prod_num: '1', date_in: '2017-01-01' });
    await addProduct(api, id, { type_id: '1', prod_num: '2', date_in: '2017-01-01' });
    await addProduct(api, id, { type_id: '24', prod_num: '3', date_in: '2017-01-01' });
    await addProduct(api, id, { type_id: '7', prod_num: '4', date_in: '2017-01-01' });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2017-05-02' })), 200);
    expectSeed(await api.post(`/update_product/${id}/1/3/1`, unchanged({ date_out: '2018-02-05' })), 200);
    const res = await api.get('/custom_tendency');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { freq: 1, latest: '2018-02-05', type_id: 24, type_name_en: expect.any(String), type_name_fr: expect.any(String) },
      { freq: 2, latest: '2017-05-02', type_id: 1, type_name_en: 'soup', type_name_fr: 'soupe' },
      { freq: 1, latest: null, type_id: 7, type_name_en: expect.any(String), type_name_fr: expect.any(String) },
    ]);
  });
});

describe('one account, two APIs', () => {
  it('shares data with /api/v1: a freezer made in one is seen and changed in the other', async () => {
    const { token, api: v1 } = await signUp(server.url);
    const seed = seedApi(server.url, token);
    const id = await addFreezer(seed, 'from seed', 2);
    const listed = await v1.get('/api/v1/freezers');
    expect(listed.body.map((f: any) => [f.id, f.name, f.boxCount])).toEqual([[id, 'from seed', 2]]);
    const made = await v1.post('/api/v1/freezers', { name: 'from v1', boxCount: 3 });
    expect(made.status).toBe(201);
    expect((await seed.get('/freezers')).body).toContainEqual({ freezer_id: made.body.id, freezer_name: 'from v1', number_boxes: 3 });
    await addProduct(seed, made.body.id, { box_num: '3', prod_num: '2' });
    const v1Products = await v1.get(`/api/v1/products?freezerId=${made.body.id}`);
    expect(v1Products.body.items.map((p: any) => [p.box, p.slot, p.dateIn])).toEqual([[3, 2, '2018-02-05']]);
  });
});
