import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, IdParams, NoContent } from '../common.schemas.js';
import { ProductSchema } from '../products/products.schemas.js';
import { FreezerBody, FreezerPatch, FreezerSchema } from './freezers.schemas.js';

const NextSlots = Type.Array(Type.Object({ box: Type.Integer(), nextSlot: Type.Integer() }));

export const freezersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/freezers',
    { schema: { tags: ['freezers'], summary: "The caller's freezers", response: { 200: Type.Array(FreezerSchema), ...errors(401) } } },
    async (request) => app.services.freezers.list(actorOf(request)),
  );

  app.post(
    '/freezers',
    { schema: { tags: ['freezers'], summary: 'Add a freezer', body: FreezerBody, response: { 201: FreezerSchema, ...errors(...bodyErrors, 401, 403) } } },
    async (request, reply) => reply.code(201).send(await app.services.freezers.create(actorOf(request), request.body)),
  );

  app.get(
    '/freezers/:id',
    { schema: { tags: ['freezers'], summary: 'One freezer', params: IdParams, response: { 200: FreezerSchema, ...errors(400, 401, 404) } } },
    async (request) => app.services.freezers.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/freezers/:id',
    {
      schema: {
        tags: ['freezers'],
        summary: 'Rename a freezer or change its number of boxes',
        description: 'It cannot have fewer boxes than the highest box still holding a product: 409.',
        params: IdParams,
        body: FreezerPatch,
        response: { 200: FreezerSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.freezers.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/freezers/:id',
    {
      schema: {
        tags: ['freezers'],
        summary: 'Delete a freezer',
        description: 'Only a freezer that never held a product: one with products inside or in its history answers 409.',
        params: IdParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await app.services.freezers.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/freezers/:id/next-slots',
    {
      schema: {
        tags: ['freezers'],
        summary: 'The next free slot of every box',
        description: 'The smallest slot number no product inside the box uses (1 for an empty box).',
        params: IdParams,
        response: { 200: NextSlots, ...errors(400, 401, 404) },
      },
    },
    async (request) => app.services.freezers.nextSlots(actorOf(request), request.params.id),
  );

  app.get(
    '/freezers/:id/boxes',
    {
      schema: {
        tags: ['freezers'],
        summary: "A freezer's content, box by box",
        params: IdParams,
        response: {
          200: Type.Object({
            freezer: FreezerSchema,
            boxes: Type.Array(Type.Object({ box: Type.Integer(), nextSlot: Type.Integer(), products: Type.Array(ProductSchema) })),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => app.services.freezers.contents(actorOf(request), request.params.id),
  );
};
