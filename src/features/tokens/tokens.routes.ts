import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, IdParams, Line, NoContent } from '../common.schemas.js';
import { TokenSchema } from '../users/users.schemas.js';

const TokenBody = Type.Object(
  {
    name: Line(100, { examples: ['kitchen raspberry pi'] }),
    scope: Type.Union([Type.Literal('read'), Type.Literal('write')], { default: 'write' }),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Omitted or null: never expires' })),
  },
  { additionalProperties: false },
);

export const tokensRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tokens',
    { schema: { tags: ['tokens'], summary: "List the caller's API tokens (never their secrets)", response: { 200: Type.Array(TokenSchema), ...errors(401) } } },
    async (request) => app.services.tokens.list(actorOf(request)),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token',
        description: 'The secret is in the answer and nowhere else: the server keeps only its hash.',
        body: TokenBody,
        response: { 201: Type.Object({ token: TokenSchema, secret: Type.String() }), ...errors(...bodyErrors, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await app.services.tokens.create(actorOf(request), request.body)),
  );

  app.delete(
    '/tokens/:id',
    { schema: { tags: ['tokens'], summary: 'Revoke an API token', params: IdParams, response: { 204: NoContent, ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await app.services.tokens.revoke(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
