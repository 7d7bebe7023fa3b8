import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { todayUtc } from '../../lib/time.js';
import { actorOf } from '../../plugins/auth.js';
import { sendCached } from '../../plugins/cached-answers.js';
import { errors } from '../common.schemas.js';
import { ProductSchema } from '../products/products.schemas.js';

const Trend = {
  typeId: Type.Integer(),
  typeName: Type.String({ description: "In the caller's language" }),
  nameEn: Type.String(),
  nameFr: Type.String(),
  freq: Type.Integer({ description: 'Number of products of this type' }),
};

const Limit = (max: number, fallback: number) => Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: fallback })) });

export const trendsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/trends/general',
    {
      schema: {
        tags: ['trends'],
        summary: 'What everybody stores: product types by frequency',
        description: 'Every product of every user counts, inside or in the history; most frequent first.',
        querystring: Limit(500, 100),
        response: { 200: Type.Array(Type.Object(Trend)), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      return sendCached(app, request, reply, { namespace: 'trends-general', scope: 'everybody', key: `${actor.language}|${request.query.limit}` }, () => app.services.trends.general(actor, request.query.limit));
    },
  );

  app.get(
    '/trends/personal',
    {
      schema: {
        tags: ['trends'],
        summary: 'What you eat: your product types by latest take-out, then frequency',
        querystring: Limit(500, 100),
        response: {
          200: Type.Array(Type.Object({ ...Trend, latest: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Latest take-out of this type' }) })),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      return sendCached(app, request, reply, { namespace: 'trends-personal', scope: 'user', key: `${actor.language}|${request.query.limit}` }, () => app.services.trends.personal(actor, request.query.limit));
    },
  );

  app.get(
    '/trends/eat-first',
    {
      schema: {
        tags: ['trends'],
        summary: 'Eat first: your products inside, most overdue first',
        querystring: Limit(200, 20),
        response: { 200: Type.Array(ProductSchema), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const key = `${actor.language}|${todayUtc()}|${request.query.limit}`;
      return sendCached(app, request, reply, { namespace: 'trends-eat-first', scope: 'user', key }, () => app.services.trends.eatFirst(actor, request.query.limit));
    },
  );

  app.get(
    '/trends/consumption',
    {
      schema: {
        tags: ['trends'],
        summary: 'Portions taken out per month',
        description: 'From your freezers, over the last `months` months (this month included), months without take-outs as zeros.',
        querystring: Type.Object({ months: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 12 })) }),
        response: {
          200: Type.Array(Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), portions: Type.Integer(), products: Type.Integer() })),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const key = `${todayUtc()}|${request.query.months}`;
      return sendCached(app, request, reply, { namespace: 'trends-consumption', scope: 'user', key }, () => app.services.trends.consumption(actor, request.query.months));
    },
  );
};
