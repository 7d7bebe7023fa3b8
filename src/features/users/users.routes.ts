import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, NoContent } from '../common.schemas.js';
import { MePatchBody, PasswordChangeBody, RegistrationBody, RegistrationReply, UserSchema } from './users.schemas.js';

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/users',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Create an account',
        description: 'Creates an account and its first read-write API token, shown this once. The first account of a new installation is an administrator.',
        security: [],
        body: RegistrationBody,
        response: { 201: RegistrationReply, ...errors(...bodyErrors, 409) },
      },
    },
    async (request, reply) => {
      const { user, token, secret } = await app.services.users.register(request.body, request.ip);
      return reply.code(201).send({ user, token: secret, tokenInfo: token });
    },
  );

  app.get(
    '/me',
    { schema: { tags: ['account'], summary: 'The signed-in account', response: { 200: UserSchema, ...errors(401) } } },
    async (request) => app.services.users.getMe(actorOf(request)),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Change account settings (language)',
        body: MePatchBody,
        response: { 200: UserSchema, ...errors(...bodyErrors, 401, 403) },
      },
    },
    async (request) => app.services.users.updateMe(actorOf(request), request.body),
  );

  app.put(
    '/me/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the password',
        description: 'Needs the current password. Every other session is logged out; API tokens keep working.',
        body: PasswordChangeBody,
        response: { 204: NoContent, ...errors(...bodyErrors, 401, 403) },
      },
    },
    async (request, reply) => {
      const sessionId = request.auth?.via === 'session' ? request.auth.credentialId : undefined;
      await app.services.users.changePassword(actorOf(request), sessionId, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );
};
