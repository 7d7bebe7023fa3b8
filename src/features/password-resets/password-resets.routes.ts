import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bodyErrors, errors, NoContent } from '../common.schemas.js';
import { Email, Password } from '../users/users.schemas.js';

export const passwordResetsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/password-resets',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Ask for a password reset e-mail',
        description:
          'Answers 202 whether or not an account has this address. When one does, a single-use link valid for a limited time is e-mailed to it.',
        security: [],
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...errors(...bodyErrors) },
      },
    },
    async (request, reply) => {
      await app.services.passwordResets.request(request.body.email, request.ip);
      return reply.code(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/password-resets/confirm',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Set a new password with the token from the e-mail',
        description: 'The token works once; every session of the account is logged out.',
        security: [],
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password }, { additionalProperties: false }),
        response: { 204: NoContent, ...errors(...bodyErrors) },
      },
    },
    async (request, reply) => {
      await app.services.passwordResets.confirm(request.body.token, request.body.password, request.ip);
      return reply.code(204).send();
    },
  );
};
