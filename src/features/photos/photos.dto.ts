import type { PhotoView } from './photos.repository.js';

export const PHOTOS_PATH = '/api/v1/photos';
export const SHARED_PATH = '/api/v1/shared-photos';

/**
 * A photo as the API shows it. `url` and `preview_url` are the contract's names (section 5); the
 * other fields follow the API's camelCase. Links are absolute paths on this server.
 */
export interface PhotoDto {
  id: number;
  name: string;
  url: string;
  preview_url: string;
  display_url: string;
  mime: string;
  size: number;
  width: number;
  height: number;
  sha256: string;
  takenAt: string | null;
  caption: string;
  notes: string;
  productId: number | null;
  productName: string | null;
  cover: boolean;
  shared: boolean;
  ownerId: number;
  createdAt: string;
  updatedAt: string;
}

export function toPhotoDto(row: PhotoView): PhotoDto {
  const self = `${PHOTOS_PATH}/${row.id}`;
  return {
    id: row.id,
    name: row.name,
    url: `${self}/original`,
    preview_url: `${self}/preview`,
    display_url: `${self}/preview?size=display`,
    mime: row.mime,
    size: row.size,
    width: row.width,
    height: row.height,
    sha256: row.sha256,
    takenAt: row.taken_at,
    caption: row.caption,
    notes: row.notes,
    productId: row.product_id,
    productName: row.product_id === null ? null : row.product_name,
    cover: row.is_cover === 1,
    shared: row.share_token_hash !== null,
    ownerId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The links of a share token: anyone holding them reads the photo and its previews, without an account. */
export function shareLinks(token: string) {
  const self = `${SHARED_PATH}/${token}`;
  return { url: self, preview_url: `${self}/preview`, display_url: `${self}/preview?size=display` };
}
