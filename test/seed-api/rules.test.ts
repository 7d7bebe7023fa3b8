/** The rules of contract section 4, through the seed API: the same rules as /api/v1, from the same services. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromToday, request, signUp, startServer, type TestServer } from '../helpers.js';
import { addFreezer, addProduct, expectSeed, productBody, products, seedApi, unchanged, type SeedApi } from './seed-helpers.js';

let server: TestServer;
let adminApi: SeedApi;
beforeAll(async () => {
  server = await startServer();
  // The first account of an empty database is an administrator.
  const admin = await signUp(server.url);
  expect(admin.user.role).toBe('admin');
  adminApi = seedApi(server.url, admin.token);
});
afterAll(async () => server.close());

async function freshFreezer(boxes = 3): Promise<{ api: SeedApi; id: number }> {
  const api = seedApi(server.url, (await signUp(server.url)).token);
  return { api, id: await addFreezer(api, 'rules', boxes) };
}

describe('dates', () => {
  it('refuses a date_in in the future (400) and accepts today', async () => {
    const { api, id } = await freshFreezer();
    const details = expectSeed(await api.post('/add_product', productBody(id, { date_in: daysFromToday(2) })), 400);
    expect(details).toMatch(/future/);
    expect(await products(api)).toEqual([]);
    expectSeed(await api.post('/add_product', productBody(id, { date_in: daysFromToday(0) })), 200);
  });

  it('refuses a date_out before the date_in or in the future (400); the same day is fine', async () => {
    const { api, id } = await freshFreezer();
    await addProduct(api, id, { date_in: '2018-02-05' });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-02-04' })), 400);
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: daysFromToday(2) })), 400);
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_in: '2018-03-01', date_out: '2018-02-10' })), 400);
    expect((await products(api))[0]).toMatchObject({ date_formatted_in: '2018-02-05', date_formatted_out: null });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-02-05' })), 200);
  });

  it('accepts dates sent as date-times and keeps their date part', async () => {
    const { api, id } = await freshFreezer();
    expectSeed(await api.post('/add_product', productBody(id, { date_in: '2018-02-05T10:30' })), 200);
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-02-06 08:15:00' })), 200);
    expect((await products(api))[0]).toMatchObject({ date_formatted_in: '2018-02-05', date_formatted_out: '2018-02-06' });
  });
});

describe('boxes and numbers', () => {
  it('refuses a box_num outside 1..number of boxes (400)', async () => {
    const { api, id } = await freshFreezer(3);
    expectSeed(await api.post('/add_product', productBody(id, { box_num: '4' })), 400);
    expectSeed(await api.post('/add_product', productBody(id, { box_num: '0' })), 400);
    await addProduct(api, id, { box_num: '3' });
    expectSeed(await api.post(`/update_product/${id}/3/1/1`, unchanged({ box_num: '4' })), 400);
    expect((await products(api)).map((p) => p.box_num)).toEqual([3]);
  });

  it('refuses a prod_num already used inside the box (400), allows it in another box', async () => {
    const { api, id } = await freshFreezer(3);
    await addProduct(api, id, { box_num: '1', prod_num: '1' });
    expectSeed(await api.post('/add_product', productBody(id, { box_num: '1', prod_num: '1', product_name: 'twin' })), 400);
    expectSeed(await api.post('/add_product', productBody(id, { box_num: '2', prod_num: '1', product_name: 'elsewhere' })), 200);
    expect((await products(api)).map((p) => p.product_name).sort()).toEqual(['Soupe de Noël', 'elsewhere']);
  });

  it('reuses a number once its product has left: freezer_next_id is the smallest free number of the box', async () => {
    const { api, id } = await freshFreezer(2);
    for (const n of ['1', '2', '3']) await addProduct(api, id, { prod_num: n, product_name: `p${n}` });
    expect((await api.get(`/freezer_next_id/${id}`)).body).toEqual({ '1': 4, '2': 1 });
    expectSeed(await api.post(`/update_product/${id}/1/2/1`, unchanged({ date_out: '2018-03-01' })), 200);
    expect((await api.get(`/freezer_next_id/${id}`)).body).toEqual({ '1': 2, '2': 1 });
    // the free number can be used again, while the history keeps the product that left
    await addProduct(api, id, { prod_num: '2', product_name: 'reused' });
    expect((await api.get(`/freezer_next_id/${id}`)).body).toEqual({ '1': 4, '2': 1 });
    expect((await products(api, 'outside'))[0]).toMatchObject({ product_name: 'p2', prod_num: 2 });
  });

  it('refuses putting a product back inside a slot taken meanwhile (400)', async () => {
    const { api, id } = await freshFreezer(2);
    await addProduct(api, id, { product_name: 'left' });
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-03-01' })), 200);
    await addProduct(api, id, { product_name: 'newcomer' });
    expectSeed(await api.post(`/update_product/${id}/1/1/0`, unchanged({ date_out: null })), 400);
    expect((await products(api, 'inside')).map((p) => p.product_name)).toEqual(['newcomer']);
  });
});

describe('types', () => {
  it('lists the 43 types, and no seed route creates one, not even for an administrator', async () => {
    expect((await adminApi.get('/types')).body).toHaveLength(43);
    const res = await adminApi.post('/types', { type_name_en: 'new', type_name_fr: 'nouveau' });
    expectSeed(res, 405);
    expect((await adminApi.get('/types')).body).toHaveLength(43);
  });

  it('refuses a product of an unknown type (400)', async () => {
    const { api, id } = await freshFreezer();
    expectSeed(await api.post('/add_product', productBody(id, { type_id: '999' })), 400);
    expect(await products(api)).toEqual([]);
  });
});

describe('freezer deletion', () => {
  it('refuses to delete a freezer with a product inside (400)', async () => {
    const { api, id } = await freshFreezer();
    await addProduct(api, id);
    expectSeed(await api.delete('/freezers', { freezer_id: id }), 400);
    expect((await api.get('/freezers')).body).toHaveLength(1);
  });

  it('refuses to delete a freezer whose products have all left: its history stays (400)', async () => {
    const { api, id } = await freshFreezer();
    await addProduct(api, id);
    expectSeed(await api.post(`/update_product/${id}/1/1/1`, unchanged({ date_out: '2018-03-01' })), 200);
    expect(await products(api, 'inside')).toEqual([]);
    expectSeed(await api.delete('/freezers', { freezer_id: String(id) }), 400);
    expect((await api.get('/freezers')).body).toHaveLength(1);
    expect(await products(api, 'outside')).toHaveLength(1);
  });
});

describe('numbers as strings', () => {
  it('accepts numeric strings everywhere the report has a number, with surrounding spaces', async () => {
    const api = seedApi(server.url, (await signUp(server.url)).token);
    expectSeed(await api.post('/freezers', { num_boxes: ' 4 ', name: 'strings' }), 200);
    const id = (await api.get('/freezers')).body[0].freezer_id as number;
    expectSeed(await api.put('/freezers', { freezer_id: String(id), num_boxes: '5', name: '' }), 200);
    expectSeed(await api.post('/add_product', productBody(id, { box_num: '5', prod_num: '12', quantity: '3', period: '2', type_id: '24' })), 200);
    expect((await products(api))[0]).toMatchObject({ box_num: 5, prod_num: 12, quantity: 3, period: 2, type_id: 24 });
    const v1 = await request(server.url, 'GET', `/api/v1/freezers/${id}`, { token: api.token });
    expect(v1.body.boxCount).toBe(5);
  });
});

describe('text', () => {
  it('takes the same names as /api/v1: emoji and accents yes, control characters and lone surrogates no', async () => {
    const { api, id } = await freshFreezer();
    expectSeed(await api.post('/add_product', productBody(id, { product_name: 'Glace 🍦 vanillée', text_descr: 'deux\nlignes' })), 200);
    expect((await products(api))[0]).toMatchObject({ product_name: 'Glace 🍦 vanillée', text_descr: 'deux\nlignes' });
    expectSeed(await api.post('/add_product', productBody(id, { product_name: 'a\u0000b', prod_num: '2' })), 400);
    expectSeed(await api.post('/add_product', productBody(id, { product_name: 'x\ud800', prod_num: '2' })), 400);
    expectSeed(await api.post('/freezers', { num_boxes: '2', name: 'cave 🧊' }), 200);
    expectSeed(await api.post('/freezers', { num_boxes: '2', name: 'bad\u0007name' }), 400);
    expectSeed(await api.put('/freezers', { freezer_id: String(id), num_boxes: '', name: 'tab\there' }), 400);
    const names = ((await api.get('/freezers')).body as Array<{ freezer_name: string }>).map((f) => f.freezer_name).sort();
    expect(names).toEqual(['cave 🧊', 'rules']);
    expect(await products(api)).toHaveLength(1);
  });
});
