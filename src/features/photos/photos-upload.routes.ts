import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../lib/errors.js';
import { actorOf } from '../../plugins/auth.js';
import { errors } from '../common.schemas.js';
import { UploadEntrySchema } from './photos.schemas.js';
import type { UploadPart } from './photos.upload.js';

/** multipart errors of the parser, as the API's problems; anything else (the client went away) as is. */
function parserError(err: unknown, maxFiles: number): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') return new AppError(413, 'photo-too-many-files', { limit: maxFiles });
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PROTO_VIOLATION' || code === 'FST_INVALID_JSON_FIELD_ERROR') return new AppError(400, 'photo-bad-multipart');
  if (code === 'FST_MP_PREMATURE_CLOSE') return err;
  if (err instanceof Error && /multipart|boundary|part terminated/i.test(err.message)) return new AppError(400, 'photo-bad-multipart');
  return err;
}

/**
 * POST /photos: multipart/form-data, parsed as a stream (@fastify/multipart over busboy), in a scope of
 * its own so that no other route accepts multipart bodies.
 */
export const photosUploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const limits = app.config.photos;
  await app.register(multipart, {
    // One byte over the limit is enough to refuse a file; busboy skips the rest of it.
    limits: { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles, fields: 20, fieldSize: 8 * 1024, parts: limits.maxFiles + 20, headerPairs: 100 },
    throwFileSizeLimit: false,
  });

  app.post(
    '/photos',
    {
      // The multipart stream is parsed in the handler: nothing to validate before it.
      validatorCompiler: () => () => true,
      schema: {
        tags: ['photos'],
        summary: 'Upload photos (one to many files in one request)',
        description: [
          '`multipart/form-data` with one or many `file` parts (hundreds are fine), and optionally `product_id` (attach every file to this product of your freezers) and `caption`.',
          'The body is streamed: each file goes to storage as it arrives, hashed on the way. The answer lists every file in order:',
          'the photo (`status: created`), the photo you already had with the same content (`duplicate`), or why this file was refused (`refused`, with `error`):',
          'not an image by its content (JPEG, PNG, WebP, AVIF, GIF; names and declared types are ignored), over the per-file or per-request size limit, damaged, or over the pixel limit.',
          'A refused file does not stop the others. A request cut off midway keeps nothing.',
        ].join(' '),
        consumes: ['multipart/form-data'],
        // Documents the form for /openapi.json; the body is read as a stream by the handler, not validated up front.
        body: Type.Object({
          file: Type.Array(Type.String({ format: 'binary' }), { description: 'One part per file' }),
          product_id: Type.Optional(Type.Integer({ description: 'Attach every file to this product of your freezers' })),
          caption: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: { 201: Type.Array(UploadEntrySchema), ...errors(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AppError(415, 'unsupported-media-type', { contentType: String(request.headers['content-type'] ?? '').slice(0, 100) });
      const actor = actorOf(request);
      async function* parts(): AsyncGenerator<UploadPart> {
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') yield { kind: 'file', name: part.filename ?? '', stream: part.file };
            else yield { kind: 'field', name: part.fieldname, value: typeof part.value === 'string' ? part.value : String(part.value) };
          }
        } catch (err) {
          throw parserError(err, limits.maxFiles);
        }
      }
      // busboy reports a body that ends inside a file part on the file's stream, not on the parts iterator.
      const answer = await app.services.photos.upload(actor, parts()).catch((err: unknown) => {
        // Cut off midway (the client went away): what failed then (the request's 'aborted' error, a file's
        // stream) is the request's doing, not the server's.
        if (request.raw.readableAborted && !(err instanceof AppError)) throw new AppError(400, 'photo-bad-multipart');
        throw parserError(err, limits.maxFiles);
      });
      return reply.code(201).send(answer);
    },
  );
};
