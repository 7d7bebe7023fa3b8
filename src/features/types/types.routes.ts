import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, IdParams, Line, NoContent } from '../common.schemas.js';

const TypeSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String({ description: "The name in the caller's language" }),
  nameEn: Type.String(),
  nameFr: Type.String(),
  periodMonths: Type.Integer({ description: 'Default storage period of products of this type, in months' }),
});

const Name = Line(128, { description: 'Visible text, without control characters' });
const Period = Type.Integer({ minimum: 1, maximum: 120 });
const TypeBody = Type.Object({ nameEn: Name, nameFr: Name, periodMonths: Period }, { additionalProperties: false });
const TypePatch = Type.Partial(TypeBody, { additionalProperties: false, minProperties: 1 });

export const typesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/types',
    { schema: { tags: ['types'], summary: 'List product types', response: { 200: Type.Array(TypeSchema), ...errors(401) } } },
    async (request) => app.services.types.list(actorOf(request)),
  );

  app.get(
    '/types/:id',
    { schema: { tags: ['types'], summary: 'One product type', params: IdParams, response: { 200: TypeSchema, ...errors(400, 401, 404) } } },
    async (request) => app.services.types.get(actorOf(request), request.params.id),
  );

  app.post(
    '/types',
    {
      config: { auth: 'admin' },
      schema: { tags: ['types'], summary: 'Add a product type (admins)', body: TypeBody, response: { 201: TypeSchema, ...errors(...bodyErrors, 401, 403, 409) } },
    },
    async (request, reply) => reply.code(201).send(await app.services.types.create(actorOf(request), request.body)),
  );

  app.patch(
    '/types/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['types'],
        summary: 'Rename a product type or change its default period (admins)',
        params: IdParams,
        body: TypePatch,
        response: { 200: TypeSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.types.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/types/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['types'],
        summary: 'Delete an unused product type (admins)',
        description: 'A type that any product (inside or in the history) uses cannot be deleted: 409.',
        params: IdParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await app.services.types.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
