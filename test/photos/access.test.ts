import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { fetchBytes, jpeg, upload } from './photo-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

/** An owner with a freezer, a product, and a photo attached to it. */
async function setup() {
  const owner = await signUp(server.url);
  const freezer = (await owner.api.post('/api/v1/freezers', { name: 'Cellar', boxCount: 3 })).body;
  const product = (await owner.api.post('/api/v1/products', { name: 'Ratatouille', typeId: 21, freezerId: freezer.id, box: 1, quantity: 3 })).body;
  const res = await upload(server.url, owner.token, [{ field: 'product_id', value: String(product.id) }, { filename: 'rata.jpg', data: await jpeg(Math.floor(Math.random() * 1e6)) }]);
  expect(res.status, res.text).toBe(201);
  return { owner, freezer, product, photo: res.body[0] };
}

describe('photo access', () => {
  it('another user gets 404 on every photo route and link, exactly like a photo that does not exist', async () => {
    const { owner, photo } = await setup();
    const stranger = await signUp(server.url);
    const strangerFreezer = (await stranger.api.post('/api/v1/freezers', { name: 'Mine', boxCount: 1 })).body;
    const strangerProduct = (await stranger.api.post('/api/v1/products', { name: 'Peas', typeId: 43, freezerId: strangerFreezer.id, box: 1, quantity: 1 })).body;
    const share = await owner.api.post(`/api/v1/photos/${photo.id}/share`);
    expect(share.status).toBe(201);

    const id = photo.id;
    const missing = 999_999;
    for (const target of [id, missing]) {
      const api = stranger.api;
      const answers = [
        await api.get(`/api/v1/photos/${target}`),
        await api.patch(`/api/v1/photos/${target}`, { caption: 'mine now' }),
        await api.get(`/api/v1/photos/${target}/similar`),
        await api.post(`/api/v1/photos/${target}/share`),
        await api.delete(`/api/v1/photos/${target}/share`),
        await api.put(`/api/v1/products/${strangerProduct.id}/cover`, { photoId: target }),
        await api.delete(`/api/v1/photos/${target}`),
      ];
      for (const answer of answers) expect(expectProblem(answer, 404).type).toMatch(/photo-not-found/);
      for (const url of [`/api/v1/photos/${target}/original`, `/api/v1/photos/${target}/preview`, `/api/v1/photos/${target}/preview?size=display`]) {
        expect((await fetchBytes(server.url, url, stranger.token)).status).toBe(404);
      }
    }
    // Attaching your own photo to their product is a 404 for the product.
    const mine = await upload(server.url, stranger.token, [{ filename: 'peas.jpg', data: await jpeg(424242) }]);
    expectProblem(await stranger.api.patch(`/api/v1/photos/${mine.body[0].id}`, { productId: photo.productId }), 404);
    expectProblem(await stranger.api.get(`/api/v1/products/${photo.productId}/photos`), 404);
    // Nothing of theirs in lists or searches.
    expect((await stranger.api.get('/api/v1/photos')).body.items.map((p: any) => p.id)).toEqual([mine.body[0].id]);
    expect((await stranger.api.get('/api/v1/photos?q=ratatouille')).body.total).toBe(0);
    expect((await stranger.api.get(`/api/v1/photos/${mine.body[0].id}/similar?maxDistance=64`)).body.map((s: any) => s.photo.id)).not.toContain(id);
    // The owner still has everything.
    expect((await owner.api.get(`/api/v1/photos/${id}`)).body).toMatchObject({ id, caption: '', shared: true });
    expect((await fetchBytes(server.url, photo.url, owner.token)).status).toBe(200);
  });

  it('a share link opens the photo for anyone until it is revoked; a new link replaces the old one', async () => {
    const { owner, photo } = await setup();
    const first = (await owner.api.post(`/api/v1/photos/${photo.id}/share`)).body;
    expect(first.url).toMatch(/^\/api\/v1\/shared-photos\/fmp_[A-Za-z0-9_-]{43}$/);
    const original = await fetchBytes(server.url, first.url);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    const preview = await fetchBytes(server.url, first.preview_url);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    // Only the hash of the token is kept.
    const row = await server.app.db.selectFrom('photos').select('share_token_hash').where('id', '=', photo.id).executeTakeFirstOrThrow();
    expect(row.share_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.url).not.toContain(row.share_token_hash);

    const second = (await owner.api.post(`/api/v1/photos/${photo.id}/share`)).body;
    expect((await fetchBytes(server.url, first.url)).status).toBe(404);
    expect((await fetchBytes(server.url, second.url)).status).toBe(200);
    expect((await owner.api.delete(`/api/v1/photos/${photo.id}/share`)).status).toBe(204);
    for (const url of [second.url, second.preview_url, second.display_url, '/api/v1/shared-photos/fmp_nope', '/api/v1/shared-photos/x']) {
      const res = await fetchBytes(server.url, url);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('members of the product’s freezer see the photo but cannot change it; detached, they lose it', async () => {
    const { owner, freezer, product, photo } = await setup();
    const member = await signUp(server.url);
    await server.app.db.insertInto('freezer_members').values({ freezer_id: freezer.id, user_id: member.user.id, role: 'member', created_at: new Date().toISOString() }).execute();

    expect((await member.api.get(`/api/v1/photos/${photo.id}`)).body).toMatchObject({ id: photo.id, productId: product.id, productName: 'Ratatouille' });
    expect((await fetchBytes(server.url, photo.url, member.token)).status).toBe(200);
    expect((await fetchBytes(server.url, photo.preview_url, member.token)).status).toBe(200);
    expect((await member.api.get(`/api/v1/products/${product.id}/photos`)).body.items.map((p: any) => p.id)).toEqual([photo.id]);
    expectProblem(await member.api.patch(`/api/v1/photos/${photo.id}`, { caption: 'x' }), 404);
    expectProblem(await member.api.delete(`/api/v1/photos/${photo.id}`), 404);
    expectProblem(await member.api.post(`/api/v1/photos/${photo.id}/share`), 404);
    // Covers are the product's: a member may choose one.
    expect((await member.api.put(`/api/v1/products/${product.id}/cover`, { photoId: photo.id })).body).toMatchObject({ id: photo.id, cover: true });

    expect((await owner.api.patch(`/api/v1/photos/${photo.id}`, { productId: null })).body).toMatchObject({ productId: null, cover: false });
    expectProblem(await member.api.get(`/api/v1/photos/${photo.id}`), 404);
    expect((await fetchBytes(server.url, photo.url, member.token)).status).toBe(404);
  });

  it('a read-only token reads photos and gets 403 on every write', async () => {
    const { owner, product, photo } = await setup();
    const secret = (await owner.api.post('/api/v1/tokens', { name: 'frame', scope: 'read' })).body.secret as string;
    const H = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    expect((await fetchBytes(server.url, photo.url, secret)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/photos`, { headers: H })).status).toBe(200);
    const writes: Array<[string, string, unknown?]> = [
      ['PATCH', `/api/v1/photos/${photo.id}`, { caption: 'x' }],
      ['DELETE', `/api/v1/photos/${photo.id}`],
      ['POST', `/api/v1/photos/${photo.id}/share`],
      ['DELETE', `/api/v1/photos/${photo.id}/share`],
      ['PUT', `/api/v1/products/${product.id}/cover`, { photoId: photo.id }],
      ['DELETE', `/api/v1/products/${product.id}/cover`],
    ];
    for (const [method, url, body] of writes) {
      const res = await fetch(`${server.url}${url}`, { method, headers: H, ...(body ? { body: JSON.stringify(body) } : {}) });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    expect((await owner.api.get(`/api/v1/photos/${photo.id}`)).body.caption).toBe('');
  });
});
