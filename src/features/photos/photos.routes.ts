import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../plugins/auth.js';
import { bodyErrors, errors, IdParams, NoContent, Page, PageQuery } from '../common.schemas.js';
import { imageResponse, sendOriginal, sendPreview } from './photos.http.js';
import { CoverBody, PhotoListQuery, PhotoPatch, PhotoSchema, PreviewQuery, ShareParams, ShareSchema, SimilarQuery, SimilarSchema } from './photos.schemas.js';

/** Every photo route but the upload (which has its own multipart scope, photos-upload.routes.ts). */
export const photosRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const photos = () => app.services.photos;

  app.get(
    '/photos',
    {
      schema: {
        tags: ['photos'],
        summary: 'Your photos, newest first; or search them',
        description:
          'A timeline: taken date (from EXIF or as set), else upload date, newest first. With `q`: the photos whose caption, notes, product name or description, or product type names hold every word (prefixes match, accents ignored). Search answers are cached until the next write (`X-Cache: hit|miss`).',
        querystring: PhotoListQuery,
        response: { 200: Page(PhotoSchema), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { page, cache } = await photos().list(actorOf(request), request.query);
      if (cache) reply.header('x-cache', cache);
      return page;
    },
  );

  app.get(
    '/photos/:id',
    { schema: { tags: ['photos'], summary: 'One photo', params: IdParams, response: { 200: PhotoSchema, ...errors(400, 401, 404) } } },
    async (request) => photos().get(actorOf(request), request.params.id),
  );

  app.patch(
    '/photos/:id',
    {
      schema: {
        tags: ['photos'],
        summary: 'Change a photo’s caption, notes, date taken, or product',
        description: 'Only the photo’s owner. `productId` attaches it to a product of your freezers (its members then see it); `null` detaches it.',
        params: IdParams,
        body: PhotoPatch,
        response: { 200: PhotoSchema, ...errors(...bodyErrors, 401, 403, 404) },
      },
    },
    async (request) => photos().update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/photos/:id',
    {
      schema: {
        tags: ['photos'],
        summary: 'Delete a photo with its file and previews',
        description: 'Only the photo’s owner.',
        params: IdParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await photos().delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/photos/:id/original',
    {
      schema: {
        tags: ['photos'],
        summary: 'The photo itself (the `url` of a photo)',
        description: 'Its own content type; ETag, Last-Modified, private caching; a single `Range: bytes=` range answers 206.',
        params: IdParams,
        response: { 200: imageResponse('The image'), 206: imageResponse('Part of the image'), 304: { description: 'Not modified', type: 'null' }, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const row = await photos().readable(actorOf(request), request.params.id);
      return sendOriginal(request, reply, row, (range) => photos().openOriginal(row, range));
    },
  );

  app.get(
    '/photos/:id/preview',
    {
      schema: {
        tags: ['photos'],
        summary: 'A preview (the `preview_url` of a photo)',
        description: 'WebP, orientation applied, no metadata. Made in the background after the upload, and on the spot when asked for first.',
        params: IdParams,
        querystring: PreviewQuery,
        response: { 200: imageResponse('A WebP image'), 304: { description: 'Not modified', type: 'null' }, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const row = await photos().readable(actorOf(request), request.params.id);
      const size = request.query.size ?? 'thumb';
      return sendPreview(request, reply, row, size, () => photos().openPreview(row, size));
    },
  );

  app.get(
    '/photos/:id/similar',
    {
      schema: {
        tags: ['photos'],
        summary: 'Near-identical photos (the same bag photographed twice)',
        description: 'Photos you can see whose 64-bit difference hash is within `maxDistance` bits of this one’s, closest first.',
        params: IdParams,
        querystring: SimilarQuery,
        response: { 200: SimilarSchema, ...errors(400, 401, 404) },
      },
    },
    async (request) => photos().similar(actorOf(request), request.params.id, request.query.maxDistance ?? 10, request.query.limit ?? 20),
  );

  app.post(
    '/photos/:id/share',
    {
      schema: {
        tags: ['photos'],
        summary: 'Make a share link',
        description: 'Anyone holding the link reads the photo and its previews without an account. A new link replaces the previous one; the token is shown this once (only its hash is kept).',
        params: IdParams,
        response: { 201: ShareSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await photos().share(actorOf(request), request.params.id)),
  );

  app.delete(
    '/photos/:id/share',
    { schema: { tags: ['photos'], summary: 'Revoke the share link', params: IdParams, response: { 204: NoContent, ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await photos().unshare(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/shared-photos/:token',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['photos'],
        summary: 'A shared photo',
        security: [],
        params: ShareParams,
        response: { 200: imageResponse('The image'), 206: imageResponse('Part of the image'), 304: { description: 'Not modified', type: 'null' }, ...errors(400, 404) },
      },
    },
    async (request, reply) => {
      const row = await photos().shared(request.params.token);
      return sendOriginal(request, reply, row, (range) => photos().openOriginal(row, range));
    },
  );

  app.get(
    '/shared-photos/:token/preview',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['photos'],
        summary: 'A shared photo’s preview',
        security: [],
        params: ShareParams,
        querystring: PreviewQuery,
        response: { 200: imageResponse('A WebP image'), 304: { description: 'Not modified', type: 'null' }, ...errors(400, 404) },
      },
    },
    async (request, reply) => {
      const row = await photos().shared(request.params.token);
      const size = request.query.size ?? 'thumb';
      return sendPreview(request, reply, row, size, () => photos().openPreview(row, size));
    },
  );

  app.get(
    '/products/:id/photos',
    {
      schema: {
        tags: ['photos', 'products'],
        summary: 'A product’s photos, its cover first',
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: { 200: Page(PhotoSchema), ...errors(400, 401, 404) },
      },
    },
    async (request) => photos().productPhotos(actorOf(request), request.params.id, request.query.limit, request.query.offset),
  );

  app.put(
    '/products/:id/cover',
    {
      schema: {
        tags: ['photos', 'products'],
        summary: 'Choose a product’s cover photo',
        description: 'The photo must be attached to the product (PATCH /photos/{id} with `productId`); 409 otherwise.',
        params: IdParams,
        body: CoverBody,
        response: { 200: PhotoSchema, ...errors(...bodyErrors, 401, 403, 404, 409) },
      },
    },
    async (request) => photos().setCover(actorOf(request), request.params.id, request.body.photoId),
  );

  app.delete(
    '/products/:id/cover',
    { schema: { tags: ['photos', 'products'], summary: 'Remove a product’s cover', params: IdParams, response: { 204: NoContent, ...errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      await photos().clearCover(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
