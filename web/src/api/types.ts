import type { paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body a route answers with the given status, from the generated schema. */
export type Reply<P extends keyof paths, M extends Method, S extends number = 200> = paths[P][M] extends { responses: infer R }
  ? S extends keyof R
    ? JsonOf<R[S]>
    : never
  : never;

/** The JSON body a route accepts. */
export type Body<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

export type User = Reply<'/api/v1/me', 'get'>;
export type Token = Reply<'/api/v1/tokens', 'get'> extends { items: Array<infer T> } ? T : Reply<'/api/v1/tokens', 'get'> extends Array<infer T> ? T : never;
export type ProductType = Reply<'/api/v1/types', 'get'> extends { items: Array<infer T> } ? T : Reply<'/api/v1/types', 'get'> extends Array<infer T> ? T : never;
