import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, IdParams, Page, PageQuery } from '../common.schemas.js';
import { UserSchema } from '../users/users.schemas.js';

const AuditSchema = Type.Object({
  id: Type.Integer(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  userEmail: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({ examples: ['product.take-out'] }),
  objectType: Type.String(),
  objectId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

const StatsSchema = Type.Object({
  users: Type.Integer(),
  activeUsers: Type.Integer(),
  disabledUsers: Type.Integer(),
  freezers: Type.Integer(),
  products: Type.Integer({ description: 'Every product row, inside and in the history' }),
  productsInside: Type.Integer(),
  productsOut: Type.Integer(),
  portionsInside: Type.Integer(),
  averageProductsPerUser: Type.Number(),
  photos: Type.Integer({ description: 'Every photo of every user' }),
  photoBytes: Type.Integer({ description: 'Storage their original files take, in bytes (previews not counted)' }),
});

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const admin = { auth: 'admin' as const };

  app.get(
    '/admin/users',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'List accounts (admins)',
        querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 254, description: 'Part of the e-mail address' })) }),
        response: { 200: Page(UserSchema), ...errors(400, 401, 403) },
      },
    },
    async (request) => app.services.admin.listUsers(actorOf(request), { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0, ...(request.query.q ? { q: request.query.q } : {}) }),
  );

  app.patch(
    '/admin/users/:id',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'Disable, enable, promote or demote an account (admins)',
        description: 'The last active administrator cannot be disabled or demoted, and nobody disables their own account: 409.',
        params: IdParams,
        body: Type.Object(
          { disabled: Type.Optional(Type.Boolean()), role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => app.services.admin.updateUser(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/admin/stats',
    { config: admin, schema: { tags: ['admin'], summary: 'Usage statistics (admins)', response: { 200: StatsSchema, ...errors(401, 403) } } },
    async (request) => app.services.admin.stats(actorOf(request)),
  );

  app.get(
    '/admin/audit',
    {
      config: admin,
      schema: {
        tags: ['admin'],
        summary: 'The audit log of writes, newest first (admins)',
        querystring: Type.Object({
          ...PageQuery,
          userId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
          action: Type.Optional(Type.String({ maxLength: 100 })),
          objectType: Type.Optional(Type.String({ maxLength: 50 })),
        }),
        response: { 200: Page(AuditSchema), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, offset = 0, userId, action, objectType } = request.query;
      return app.services.admin.audit(actorOf(request), {
        limit,
        offset,
        ...(userId !== undefined ? { userId } : {}),
        ...(action ? { action } : {}),
        ...(objectType ? { objectType } : {}),
      });
    },
  );
};
