import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { todayUtc } from '../../lib/time.js';
import { actorOf } from '../../plugins/auth.js';
import { sendCached } from '../../plugins/cached-answers.js';
import { bodyErrors, errors, IdParams, NoContent, Page } from '../common.schemas.js';
import { ProductBody, ProductListQuery, ProductPatch, ProductSchema, TakeOutBody } from './products.schemas.js';

export const productsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List products',
        description:
          'Products of the caller’s freezers. Inside only by default; `status=outside` is the history, `all` both. Filters combine; `overdue` and `dueWithinDays` imply inside.',
        querystring: ProductListQuery,
        response: { 200: Page(ProductSchema), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const key = `${actor.language}|${todayUtc()}|${JSON.stringify(request.query)}`;
      return sendCached(app, request, reply, { namespace: 'products', scope: 'user', key }, () => app.services.products.list(actor, request.query));
    },
  );

  app.post(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Put a product in a freezer',
        description: 'Without `slot`, the next free slot of the box; without `periodMonths`, the type’s default; without `dateIn`, today.',
        body: ProductBody,
        response: { 201: ProductSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await app.services.products.create(actorOf(request), request.body)),
  );

  app.get(
    '/products/:id',
    { schema: { tags: ['products'], summary: 'One product', params: IdParams, response: { 200: ProductSchema, ...errors(400, 401, 404) } } },
    async (request) => app.services.products.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Change or move a product',
        description: 'Any field. A move to another box without `slot` takes the next free slot there; a taken slot answers 409.',
        params: IdParams,
        body: ProductPatch,
        response: { 200: ProductSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.products.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Delete a product entered by mistake',
        description: 'Removes it from the history too. To record that it was eaten, take it out instead.',
        params: IdParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.services.products.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/products/:id/take-out',
    {
      config: { optionalBody: true },
      schema: {
        tags: ['products'],
        summary: 'Take a product out, entirely or some portions',
        description:
          'Without a body: every portion, today. Taking some portions leaves the rest inside and records the portions taken as a history row (`takenOut`).',
        params: IdParams,
        body: TakeOutBody,
        response: { 200: Type.Object({ product: ProductSchema, takenOut: ProductSchema }), ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.products.takeOut(actorOf(request), request.params.id, request.body ?? {}),
  );

  app.post(
    '/products/:id/undo-take-out',
    {
      schema: {
        tags: ['products'],
        summary: 'Undo a take-out',
        description:
          'Give the id of what was taken out (a product, or the `takenOut` history row of a partial take-out). Portions go back to the product they came from if it is still inside; otherwise the product goes back to its slot (409 if the slot is taken meanwhile).',
        params: IdParams,
        response: { 200: ProductSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.products.undoTakeOut(actorOf(request), request.params.id),
  );
};
