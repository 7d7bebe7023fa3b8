import { ApiError, currentCsrfToken, type Problem } from '../../api/client';
import type { Reply } from '../../api/types';

export type UploadEntry = Reply<'/api/v1/photos', 'post', 201> extends Array<infer E> ? E : never;

/**
 * Uploads one file to POST /api/v1/photos (multipart, the session's cookie and CSRF token), reporting the
 * bytes sent. fetch() cannot report upload progress, so this is the one request made with XMLHttpRequest.
 * Resolves with the server's entry for the file (created, duplicate or refused); rejects with ApiError
 * (status 0 when the network failed).
 */
export function uploadPhoto(
  file: File,
  options: { productId?: number; language: string; onProgress(fraction: number): void; signal?: AbortSignal },
): Promise<UploadEntry> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    // Fields first: the server applies them to the files that follow.
    if (options.productId !== undefined) form.append('product_id', String(options.productId));
    form.append('file', file, file.name);
    xhr.open('POST', '/api/v1/photos');
    xhr.responseType = 'text';
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('accept-language', options.language);
    const csrf = currentCsrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 201 && Array.isArray(body) && body[0]) {
        options.onProgress(1);
        resolve(body[0] as UploadEntry);
        return;
      }
      const problem = body && typeof body === 'object' && typeof (body as Problem).detail === 'string' ? (body as Problem) : undefined;
      reject(new ApiError(xhr.status, problem));
    };
    xhr.onerror = () => reject(new ApiError(0, undefined));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
