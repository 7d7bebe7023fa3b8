import { describe, expect, it } from 'vitest';
import { AppError, badRequest, conflict, notFound, schemaValidationError } from '../../src/lib/errors.js';

describe('AppError', () => {
  it('carries its status, key, parameters and field, and is an Error', () => {
    const err = badRequest('box-out-of-range', { boxCount: 3 }, 'box');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(AppError);
    expect({ name: err.name, message: err.message, status: err.status, key: err.key, params: err.params, field: err.field }).toEqual({
      name: 'AppError',
      message: 'box-out-of-range',
      status: 400,
      key: 'box-out-of-range',
      params: { boxCount: 3 },
      field: 'box',
    });
    expect(notFound('product-not-found').status).toBe(404);
    expect(conflict('slot-taken').params).toEqual({});
  });

  it('captures no stack for a refusal (4xx), and leaves the stack trace limit as it was', () => {
    const before = Error.stackTraceLimit;
    const err = new AppError(404, 'product-not-found');
    expect(Error.stackTraceLimit).toBe(before);
    expect(err.stack).toBe('AppError: product-not-found');
    // Other errors still get their stack.
    expect(new Error('boom').stack).toMatch(/\n\s+at /);
  });

  it('keeps the stack of a server error (5xx), which is logged', () => {
    const err = new AppError(503, 'internal-error');
    expect(err.stack).toMatch(/^AppError: internal-error\n\s+at /);
    expect(err.stack).toContain('errors.test.ts');
  });
});

describe('schemaValidationError', () => {
  it('makes the error of a failed schema without a stack, and leaves the stack trace limit as it was', () => {
    const before = Error.stackTraceLimit;
    const err = schemaValidationError([{ instancePath: '/box', message: 'must be integer' }], 'body');
    expect(Error.stackTraceLimit).toBe(before);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('the body does not match its schema');
    expect(err.stack).toBe('Error: the body does not match its schema');
  });
});
