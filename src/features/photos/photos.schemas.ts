import { Type } from '@sinclair/typebox';
import { FreeText, PageQuery } from '../common.schemas.js';

export const PhotoSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String({ description: 'The file name it was uploaded with' }),
  url: Type.String({ description: 'The photo itself (GET; range requests supported)' }),
  preview_url: Type.String({ description: 'A 256 px WebP preview (GET); `?size=display` for 1600 px' }),
  display_url: Type.String({ description: 'The 1600 px WebP preview' }),
  mime: Type.String({ description: 'From the file’s content (magic bytes), never from its name' }),
  size: Type.Integer({ description: 'Bytes' }),
  width: Type.Integer({ description: 'As displayed (EXIF orientation applied)' }),
  height: Type.Integer(),
  sha256: Type.String(),
  takenAt: Type.Union([Type.String(), Type.Null()], { description: 'From EXIF when present (the camera’s clock), or as set' }),
  caption: Type.String(),
  notes: Type.String(),
  productId: Type.Union([Type.Integer(), Type.Null()]),
  productName: Type.Union([Type.String(), Type.Null()]),
  cover: Type.Boolean({ description: 'The cover photo of its product' }),
  shared: Type.Boolean({ description: 'A share link exists' }),
  ownerId: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const FileError = Type.Object({
  type: Type.String({ description: 'A URN naming the problem' }),
  code: Type.String({ description: 'e.g. photo-unsupported-type, photo-too-large, photo-corrupt' }),
  detail: Type.String({ description: 'In the caller’s language' }),
});

/** One entry per file of an upload, in order: the photo (created or an existing duplicate), or why it was refused. */
export const UploadEntrySchema = Type.Object({
  index: Type.Integer({ description: 'Position of the file in the request, from 0' }),
  name: Type.String(),
  status: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('refused')]),
  id: Type.Optional(Type.Integer()),
  url: Type.Optional(Type.String()),
  preview_url: Type.Optional(Type.String()),
  display_url: Type.Optional(Type.String()),
  mime: Type.Optional(Type.String()),
  size: Type.Optional(Type.Integer()),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  sha256: Type.Optional(Type.String()),
  takenAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  caption: Type.Optional(Type.String()),
  productId: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  createdAt: Type.Optional(Type.String()),
  error: Type.Optional(FileError),
});

export const PhotoListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the caption, notes, product name and description, or type names (prefixes match)' })),
  ...PageQuery,
});

export const SimilarQuery = Type.Object({
  maxDistance: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, default: 10, description: 'Most differing bits of the 64-bit dHash' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export const SimilarSchema = Type.Array(Type.Object({ distance: Type.Integer({ description: 'Hamming distance of the dHashes (0: same picture)' }), photo: PhotoSchema }));

export const PhotoPatch = Type.Object(
  {
    caption: Type.Optional(FreeText(2000)),
    notes: Type.Optional(FreeText(10000)),
    takenAt: Type.Optional(
      Type.Union([Type.String({ format: 'date-time', maxLength: 40 }), Type.String({ format: 'date', maxLength: 10 }), Type.Null()], {
        description: 'When it was taken (date or date-time); null: unknown',
      }),
    ),
    productId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()], { description: 'Attach to a product of your freezers; null detaches' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PreviewQuery = Type.Object({
  size: Type.Optional(Type.Union([Type.Literal('thumb'), Type.Literal('display')], { default: 'thumb', description: 'thumb: 256 px, display: 1600 px' })),
});

export const ShareSchema = Type.Object({
  url: Type.String({ description: 'The photo, for anyone holding this link (shown once)' }),
  preview_url: Type.String(),
  display_url: Type.String(),
});

export const ShareParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100, description: 'A share token (fmp_...)' }) });

export const CoverBody = Type.Object({ photoId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });
