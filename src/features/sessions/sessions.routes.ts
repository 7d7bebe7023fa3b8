import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf, SESSION_COOKIE } from '../../plugins/auth.js';
import { bodyErrors, errors, NoContent } from '../common.schemas.js';
import { Email, UserSchema } from '../users/users.schemas.js';
import { csrfTokenFor } from './auth.service.js';

const SessionReply = Type.Object({
  user: UserSchema,
  csrfToken: Type.String({ description: 'Send it as X-CSRF-Token on every write made with the session cookie' }),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const sessionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/sessions',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Log in (web app)',
        description:
          'Checks e-mail and password and sets an HttpOnly, SameSite=Strict session cookie. Writes made with the cookie must send the returned csrfToken as X-CSRF-Token. API clients use Bearer tokens instead.',
        security: [],
        body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
        response: { 201: SessionReply, ...errors(...bodyErrors, 401) },
      },
    },
    async (request, reply) => {
      const { user, secret, expiresAt } = await app.services.auth.login(request.body.email, request.body.password, request.ip);
      reply.setCookie(SESSION_COOKIE, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: app.config.cookieSecure,
        expires: new Date(expiresAt),
      });
      return reply.code(201).send({ user, csrfToken: csrfTokenFor(secret), expiresAt });
    },
  );

  app.get(
    '/sessions/current',
    {
      schema: {
        tags: ['account'],
        summary: 'The current session (web app)',
        description: 'The signed-in user and the CSRF token of the session cookie.',
        response: { 200: SessionReply, ...errors(401) },
      },
    },
    async (request) => {
      const user = await app.services.users.getMe(actorOf(request));
      const cookie = request.auth?.via === 'session' ? request.cookies[SESSION_COOKIE] : undefined;
      return { user, csrfToken: cookie ? csrfTokenFor(cookie) : '' };
    },
  );

  app.delete(
    '/sessions/current',
    { schema: { tags: ['account'], summary: 'Log out (web app)', response: { 204: NoContent, ...errors(401, 403) } } },
    async (request, reply) => {
      const auth = request.auth;
      if (auth?.via === 'session') await app.services.auth.logout(auth.user.id, auth.credentialId, request.ip);
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: app.config.cookieSecure });
      return reply.code(204).send();
    },
  );
};
