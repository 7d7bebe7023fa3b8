import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startServer, TEST_DATABASE, type TestServer } from '../helpers.js';
import { newFreezer } from '../inventory-helpers.js';

/**
 * Read-then-write under concurrent requests. SQLite runs one transaction at a time; on PostgreSQL
 * (FM_TEST_DATABASE=postgres) the server has several connections and these requests really overlap:
 * the answers must be the same as if they had come one after the other.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe(`concurrent writes (${TEST_DATABASE})`, () => {
  it('gives every product put in the same box at once its own next free slot', async () => {
    const user = await signUp(server.url);
    const freezer = await newFreezer(user.api, 'Busy', 2);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => user.api.post('/api/v1/products', { name: `Batch ${i}`, typeId: 1, freezerId: freezer.id, box: 1, quantity: 1 })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const slots = answers.map((a) => a.body.slot as number).sort((a, b) => a - b);
    expect(slots).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect((await user.api.get(`/api/v1/freezers/${freezer.id}/next-slots`)).body).toEqual([
      { box: 1, nextSlot: 25 },
      { box: 2, nextSlot: 1 },
    ]);
  });

  it('lets exactly one of several requests for the same slot have it; the others get 409', async () => {
    const user = await signUp(server.url);
    const freezer = await newFreezer(user.api, 'Contested', 1);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => user.api.post('/api/v1/products', { name: `Want 7 #${i}`, typeId: 1, freezerId: freezer.id, box: 1, slot: 7, quantity: 1 })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => a.status)).toEqual(refused.map(() => 409));
    expect(refused.every((a) => a.body.type === 'urn:freezer-manager:problem:slot-taken')).toBe(true);
    expect((await user.api.get(`/api/v1/products?freezerId=${freezer.id}`)).body.total).toBe(1);
  });

  it('keeps the per-type product counts of the general trend exact under concurrent writes of many users', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => signUp(server.url)));
    const freezers = await Promise.all(users.map((u) => newFreezer(u.api, 'Counted', 3)));
    // Each user at once: puts products of three types in, takes one out partially, deletes one, retypes one.
    await Promise.all(
      users.map(async (u, k) => {
        const freezerId = freezers[k].id;
        const created = await Promise.all(
          [1, 13, 25, 1, 13, 25].map((typeId, i) => u.api.post('/api/v1/products', { name: `P${i}`, typeId, freezerId, box: (i % 3) + 1, quantity: 3 })),
        );
        expect(created.map((c) => c.status)).toEqual(created.map(() => 201));
        const [a, b, c] = created.map((r) => r.body.id as number);
        const changes = await Promise.all([
          u.api.post(`/api/v1/products/${a}/take-out`, { portions: 1 }),
          u.api.delete(`/api/v1/products/${b}`),
          u.api.patch(`/api/v1/products/${c}`, { typeId: 27 }),
        ]);
        expect(changes.map((r) => r.status)).toEqual([200, 204, 200]);
      }),
    );
    const expected = (
      await sql<{ typeId: number; freq: number }>`select type_id as "typeId", count(*) as freq from products
        where source_product_id is null group by type_id order by freq desc, type_id`.execute(server.app.db)
    ).rows;
    const answer = (await users[0]!.api.get('/api/v1/trends/general')).body.map((t: any) => ({ typeId: t.typeId, freq: t.freq }));
    expect(answer).toEqual(expected.map((r) => ({ typeId: r.typeId, freq: Number(r.freq) })));
  });

  it('never leaves the installation without an active administrator when two admins demote each other at once', async () => {
    const fresh = await startServer();
    try {
      const first = await signUp(fresh.url);
      const second = await signUp(fresh.url);
      expect(first.user.role).toBe('admin');
      for (let round = 0; round < 4; round += 1) {
        const promoted = await first.api.patch(`/api/v1/admin/users/${second.user.id}`, { role: 'admin' });
        expect(promoted.status, promoted.text).toBe(200);
        const [a, b] = await Promise.all([
          first.api.patch(`/api/v1/admin/users/${second.user.id}`, { role: 'user' }),
          second.api.patch(`/api/v1/admin/users/${first.user.id}`, { role: 'user' }),
        ]);
        // One wins; the other finds its target the last administrator (409), or itself no longer one (403).
        const statuses = [a.status, b.status];
        expect(statuses.filter((s) => s === 200), `${a.text} ${b.text}`).toHaveLength(1);
        expect([403, 409]).toContain(statuses.find((s) => s !== 200));
        const admins = (await sql<{ n: number }>`select count(*) as n from users where role = 'admin' and disabled_at is null`.execute(fresh.app.db)).rows[0];
        expect(Number(admins?.n)).toBe(1);
        // Put the first account back as the administrator for the next round.
        if (b.status === 200) {
          const back = await second.api.patch(`/api/v1/admin/users/${first.user.id}`, { role: 'admin' });
          expect(back.status).toBe(200);
          expect((await first.api.patch(`/api/v1/admin/users/${second.user.id}`, { role: 'user' })).status).toBe(200);
        }
      }
    } finally {
      await fresh.close();
    }
  });
});
