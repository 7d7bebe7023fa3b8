import { expect } from 'vitest';
import { request, type ApiResponse, type RequestOptions } from '../helpers.js';

/** A client of the seed API bound to one token: `get('/freezers')` is GET /freezers/<token>. */
export function seedApi(base: string, token: string) {
  const call = (method: string, path: string, options: RequestOptions = {}) => request(base, method, `${path}/${token}`, options);
  return {
    token,
    get: (path: string, options?: RequestOptions) => call('GET', path, options),
    post: (path: string, body?: unknown, options: RequestOptions = {}) => call('POST', path, { ...(body !== undefined ? { body } : {}), ...options }),
    put: (path: string, body?: unknown, options: RequestOptions = {}) => call('PUT', path, { ...(body !== undefined ? { body } : {}), ...options }),
    delete: (path: string, body?: unknown, options: RequestOptions = {}) => call('DELETE', path, { ...(body !== undefined ? { body } : {}), ...options }),
    call,
  };
}

export type SeedApi = ReturnType<typeof seedApi>;

/** Asserts the report's {status, details} answer (and CORS on it) and returns its details. */
export function expectSeed(response: ApiResponse, status: number): string {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(Object.keys(response.body ?? {}).sort()).toEqual(['details', 'status']);
  expect(response.body.status).toBe(status);
  expect(typeof response.body.details).toBe('string');
  expect(response.body.details.length).toBeGreaterThan(0);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  return response.body.details as string;
}

/** A valid add_product body, every value as a string as the original dashboard sends them. */
export function productBody(freezerId: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product_name: 'Soupe de Noël',
    text_descr: 'tomate, brocoli et poisson',
    freezer_id: String(freezerId),
    type_id: '1',
    date_in: '2018-02-05',
    period: '6',
    box_num: '1',
    prod_num: '1',
    quantity: '4',
    ...overrides,
  };
}

/** Every key of update_product sent as "" (unchanged), then the overrides. */
export function unchanged(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product_name: '',
    text_descr: '',
    freezer_id: '',
    type_id: '',
    date_in: '',
    date_out: '',
    period: '',
    box_num: '',
    prod_num: '',
    quantity: '',
    ...overrides,
  };
}

/** Creates a freezer through the seed API and returns its id (the newest freezer of that name). */
export async function addFreezer(api: SeedApi, name: string, boxes: number | string = 4): Promise<number> {
  expectSeed(await api.post('/freezers', { num_boxes: String(boxes), name }), 200);
  const list = (await api.get('/freezers')).body as Array<{ freezer_id: number; freezer_name: string }>;
  const found = list.filter((f) => f.freezer_name === name).sort((a, b) => b.freezer_id - a.freezer_id)[0];
  if (!found) throw new Error(`freezer ${name} not listed`);
  return found.freezer_id;
}

export async function addProduct(api: SeedApi, freezerId: number, overrides: Record<string, unknown> = {}): Promise<void> {
  expectSeed(await api.post('/add_product', productBody(freezerId, overrides)), 200);
}

export async function products(api: SeedApi, which: 'all' | 'inside' | 'outside' = 'all', freezerId = 0): Promise<any[]> {
  const res = await api.get(`/get_product/${which}/${freezerId}`);
  expect(res.status, res.text).toBe(200);
  return res.body as any[];
}
