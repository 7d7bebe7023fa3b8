import { expect } from 'vitest';
import type { Client } from './helpers.js';

export const SOUP = 1;

/** Creates a freezer through the API (201 expected) and returns it. */
export async function newFreezer(api: Client, name = 'Garage', boxCount = 4): Promise<any> {
  const res = await api.post('/api/v1/freezers', { name, boxCount });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Puts a product (a soup, 1 portion, unless `fields` say otherwise) in a box (201 expected) and returns it. */
export async function putIn(api: Client, freezerId: number, box: number, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/api/v1/products', { name: 'Soup', typeId: SOUP, freezerId, box, quantity: 1, ...fields });
  expect(res.status, res.text).toBe(201);
  return res.body;
}
