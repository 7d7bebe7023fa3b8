import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { jpeg, picture, upload } from './photo-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const ids = (page: any) => page.items.map((p: any) => p.id);

describe('timeline, search, similar, covers', () => {
  it('lists the caller’s photos newest first (date taken, else upload), paginated', async () => {
    const user = await signUp(server.url);
    const res = await upload(server.url, user.token, await Promise.all([1, 2, 3].map(async (i) => ({ filename: `${i}.jpg`, data: await jpeg(100 + i) }))));
    const [a, b, c] = res.body.map((e: any) => e.id);
    // Uploaded together: same upload time, newest id first.
    expect(ids((await user.api.get('/api/v1/photos')).body)).toEqual([c, b, a]);
    await user.api.patch(`/api/v1/photos/${a}`, { takenAt: '2099-01-01T12:00:00Z' });
    await user.api.patch(`/api/v1/photos/${c}`, { takenAt: '2001-05-06' });
    const page = (await user.api.get('/api/v1/photos?limit=2')).body;
    expect(page).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(ids(page)).toEqual([a, b]);
    expect(ids((await user.api.get('/api/v1/photos?limit=2&offset=2')).body)).toEqual([c]);
    expect((await user.api.get(`/api/v1/photos/${c}`)).body.takenAt).toBe('2001-05-06T00:00:00.000Z');
    expectProblem(await user.api.patch(`/api/v1/photos/${a}`, { takenAt: 'yesterday' }), 400);
    expectProblem(await user.api.patch(`/api/v1/photos/${a}`, { owner: 2 }), 400);
  });

  it('searches caption, notes, product name and description and type names; answers are cached until a write', async () => {
    const user = await signUp(server.url);
    const freezer = (await user.api.post('/api/v1/freezers', { name: 'Kitchen', boxCount: 2 })).body;
    const product = (await user.api.post('/api/v1/products', { name: 'Soupe de Noël', description: 'tomate et brocoli', typeId: 1, freezerId: freezer.id, box: 1, quantity: 2 })).body;
    const res = await upload(server.url, user.token, await Promise.all([1, 2, 3].map(async (i) => ({ filename: `${i}.jpg`, data: await jpeg(200 + i) }))));
    const [soup, cake, bag] = res.body.map((e: any) => e.id);
    await user.api.patch(`/api/v1/photos/${soup}`, { productId: product.id });
    await user.api.patch(`/api/v1/photos/${cake}`, { caption: 'Birthday cake', notes: 'chocolate, for Léa' });
    await user.api.patch(`/api/v1/photos/${bag}`, { notes: 'blue bag, top shelf' });

    const search = async (q: string) => {
      const r = await user.api.get(`/api/v1/photos?q=${encodeURIComponent(q)}`);
      expect(r.status, r.text).toBe(200);
      return { ids: ids(r.body), cache: r.headers.get('x-cache') };
    };
    expect((await search('noel')).ids).toEqual([soup]); // accents ignored
    expect((await search('brocoli')).ids).toEqual([soup]); // description
    expect((await search('soupe')).ids).toEqual([soup]); // type name (fr) and name
    expect((await search('soup')).ids).toEqual([soup]); // type name (en), prefix
    expect((await search('chocolate lea')).ids).toEqual([cake]); // notes, every word
    expect((await search('cake chocolate')).ids).toEqual([cake]);
    expect((await search('bag')).ids).toEqual([bag]);
    expect((await search('lasagne')).ids).toEqual([]);
    expect((await search('"*) OR (')).ids).toEqual([]); // FTS syntax is never passed through

    // Cached: the second identical search is a hit.
    expect((await search('shelf')).cache).toBe('miss');
    expect((await search('shelf')).cache).toBe('hit');
    // A photo write invalidates it...
    await user.api.patch(`/api/v1/photos/${cake}`, { notes: 'chocolate, second shelf' });
    const afterPhotoWrite = await search('shelf');
    expect(afterPhotoWrite).toEqual({ ids: [bag, cake], cache: 'miss' }); // timeline order
    // ...and so does a write elsewhere that changes answers: renaming the product.
    expect((await search('lasagne')).cache).toBe('miss');
    expect((await search('lasagne')).cache).toBe('hit');
    await user.api.patch(`/api/v1/products/${product.id}`, { name: 'Lasagne maison' });
    expect(await search('lasagne')).toEqual({ ids: [soup], cache: 'miss' });
    expect((await search('noel')).ids).toEqual([]);
    // Detaching removes the product's words; deleting removes the photo.
    await user.api.patch(`/api/v1/photos/${soup}`, { productId: null });
    expect((await search('lasagne')).ids).toEqual([]);
    await user.api.delete(`/api/v1/photos/${bag}`);
    expect((await search('shelf')).ids).toEqual([cake]);
  });

  it('finds near-identical photos by perceptual hash', async () => {
    const user = await signUp(server.url);
    const base = picture(4242, 320, 240);
    const original = await base.clone().jpeg({ quality: 90 }).toBuffer();
    const reencoded = await sharp(original).resize(200, 150).jpeg({ quality: 40 }).toBuffer(); // the same bag, photographed again
    const different = await sharp(original).flop().flip().jpeg().toBuffer();
    const other = await jpeg(9999, 320, 240);
    const res = await upload(server.url, user.token, [original, reencoded, different, other].map((data, i) => ({ filename: `${i}.jpg`, data })));
    const [o, r, d, x] = res.body.map((e: any) => e.id);
    const similar = (await user.api.get(`/api/v1/photos/${o}/similar`)).body;
    expect(similar.map((s: any) => s.photo.id)).toEqual([r]);
    expect(similar[0].distance).toBeLessThanOrEqual(4);
    const all = (await user.api.get(`/api/v1/photos/${o}/similar?maxDistance=64`)).body.map((s: any) => s.photo.id);
    expect(all.sort()).toEqual([r, d, x].sort());
  });

  it('a product has many photos and one cover', async () => {
    const user = await signUp(server.url);
    const freezer = (await user.api.post('/api/v1/freezers', { name: 'Chest', boxCount: 1 })).body;
    const product = (await user.api.post('/api/v1/products', { name: 'Pesto', typeId: 29, freezerId: freezer.id, box: 1, quantity: 6 })).body;
    const res = await upload(server.url, user.token, [
      { field: 'product_id', value: String(product.id) },
      ...(await Promise.all([1, 2, 3].map(async (i) => ({ filename: `${i}.jpg`, data: await jpeg(300 + i) })))),
    ]);
    const [p1, p2, p3] = res.body.map((e: any) => e.id);
    const loose = (await upload(server.url, user.token, [{ filename: 'loose.jpg', data: await jpeg(399) }])).body[0].id;
    expect((await user.api.put(`/api/v1/products/${product.id}/cover`, { photoId: p2 })).body).toMatchObject({ id: p2, cover: true });
    expect((await user.api.put(`/api/v1/products/${product.id}/cover`, { photoId: p1 })).body.cover).toBe(true);
    const list = (await user.api.get(`/api/v1/products/${product.id}/photos`)).body;
    expect(list.total).toBe(3);
    expect(list.items[0]).toMatchObject({ id: p1, cover: true });
    expect(list.items.filter((p: any) => p.cover)).toHaveLength(1);
    expect(ids(list).sort()).toEqual([p1, p2, p3].sort());
    expectProblem(await user.api.put(`/api/v1/products/${product.id}/cover`, { photoId: loose }), 409);
    expect((await user.api.delete(`/api/v1/products/${product.id}/cover`)).status).toBe(204);
    expect((await user.api.get(`/api/v1/products/${product.id}/photos`)).body.items.filter((p: any) => p.cover)).toHaveLength(0);
    // Deleting the product keeps the photos, detached.
    await user.api.delete(`/api/v1/products/${product.id}`);
    expect((await user.api.get(`/api/v1/photos/${p1}`)).body).toMatchObject({ productId: null, cover: false });
  });
});
