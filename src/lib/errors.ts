import type { MessageKey, MessageParams } from '../i18n/messages.js';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A domain error: an HTTP status and a message key, translated into the caller's language by the
 * error handler. Services throw these; nothing else is allowed to reach the client.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly key: MessageKey,
    readonly params: MessageParams = {},
    readonly field?: string,
  ) {
    super(key);
    this.name = 'AppError';
  }
}

export const notFound = (key: MessageKey) => new AppError(404, key);
export const conflict = (key: MessageKey, params?: MessageParams, field?: string) => new AppError(409, key, params, field);
export const badRequest = (key: MessageKey, params?: MessageParams, field?: string) => new AppError(400, key, params, field);
