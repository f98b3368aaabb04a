// toFailure maps core's classification: an error from another copy of core (or after JSON, as a shared
// cache hands it on) gets the same code, message and upstream fields as core's own class.
import { DbssApiError, DbssConnectionError, DbssProjectNotFoundError, DbssResponseError } from '@dbss-obs/core';
import { describe, expect, it } from 'vitest';
import { toFailure } from '../src/errors.js';

const headers = { get: (n: string) => (n === 'x-request-id' ? 'rid-7' : null) };
const copyOf = (err: Error) => JSON.parse(JSON.stringify(err)) as unknown;

describe('toFailure', () => {
  it.each([
    ['no project', new DbssProjectNotFoundError('cn-north-4'), 'BAD_USER_INPUT'],
    [
      'a refused token',
      DbssApiError.generate(401, '{"error_code":"APIGW.0301","error_msg":"bad"}', headers),
      'UNAUTHENTICATED',
    ],
    ['a denied project', DbssApiError.generate(403, '{"error_code":"DBSS.403"}', headers), 'FORBIDDEN'],
    ['no answer', new DbssConnectionError(), 'UPSTREAM_UNAVAILABLE'],
    [
      'a malformed answer',
      new DbssResponseError('bad body', { status: 200, requestId: 'r', rawBody: 'x' }),
      'UPSTREAM_ERROR',
    ],
  ])('%s: the same failure from a plain object with the same fields', (_, err, code) => {
    const ours = toFailure(err);
    expect(ours?.code).toBe(code);
    expect(toFailure(copyOf(err))).toEqual(ours);
  });

  it("a refused token keeps DBSS's error fields for extensions.upstream", () => {
    const f = toFailure(DbssApiError.generate(401, '{"error_code":"APIGW.0301","error_msg":"bad"}', headers));
    expect(f?.upstream).toEqual({ status: 401, errorCode: 'APIGW.0301', errorMsg: 'bad', requestId: 'rid-7' });
  });

  it("anything that is not core's is left for Yoga to mask", () => {
    expect(toFailure(new Error('boom'))).toBeUndefined();
  });
});
