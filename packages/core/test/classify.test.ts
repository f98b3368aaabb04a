// classifyError: the one classification every app maps, read from fields (name, code, status…), so an error
// from a second copy of core, or one that went through JSON, classifies exactly as core's own.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  classifyError,
  DbssApiError,
  DbssClient,
  DbssConnectionError,
  DbssProjectNotFoundError,
  DbssTimeoutError,
  DbssValidationError,
} from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

/** A second, separately loaded copy of core's error module: its classes are not core's classes. */
const SECOND_COPY = '../src/errors.js?second-copy';
const second = (await import(/* @vite-ignore */ SECOND_COPY)) as typeof import('../src/errors.js');

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

describe('classifyError', () => {
  it('an API error: code, status, retryable, upstream fields, Retry-After in ms', () => {
    const err = DbssApiError.generate(
      429,
      JSON.stringify({ error_code: 'DBSS.0429', error_msg: 'slow down' }),
      headers({ 'x-request-id': 'rid-1', 'retry-after': '2' }),
    );
    expect(classifyError(err)).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      message: err.message,
      status: 429,
      requestId: 'rid-1',
      retryAfterMs: 2000,
      upstream: { status: 429, errorCode: 'DBSS.0429', errorMsg: 'slow down', requestId: 'rid-1' },
    });
  });

  it.each([
    [401, 'AUTHENTICATION_FAILED', false],
    [403, 'PERMISSION_DENIED', false],
    [400, 'BAD_REQUEST', false],
    [404, 'NOT_FOUND', false],
    [418, 'API_ERROR', false],
    [503, 'SERVER_ERROR', true],
  ])('status %i is %s (retryable: %s)', (status, code, retryable) => {
    const c = classifyError(DbssApiError.generate(status, '', headers({})));
    expect([c.code, c.retryable, c.status]).toEqual([code, retryable, status]);
  });

  it('no answer and no answer in time are retryable, with no upstream', () => {
    expect(classifyError(new DbssConnectionError())).toMatchObject({ code: 'CONNECTION_ERROR', retryable: true });
    const t = classifyError(new DbssTimeoutError(1500, { requestId: 'r' }));
    expect(t).toMatchObject({ code: 'TIMEOUT', retryable: true, timeoutMs: 1500, requestId: 'r' });
    expect(t.upstream).toBeUndefined();
  });

  it('a project that cannot be discovered: its region, the one message, and the hint', () => {
    const c = classifyError(new DbssProjectNotFoundError('cn-north-4'));
    expect(c).toMatchObject({ code: 'PROJECT_NOT_FOUND', region: 'cn-north-4', retryable: false });
    expect(c.hint).toContain('HUAWEICLOUD_SDK_PROJECT_ID');
  });

  it('anything else is UNKNOWN, with a message that tells nothing of it', () => {
    for (const err of [new Error('token=abc at /secret/path'), 'text', null, { name: 'Other', code: 'TIMEOUT' }]) {
      expect(classifyError(err)).toEqual({ code: 'UNKNOWN', retryable: false, message: 'unexpected failure' });
    }
  });

  describe('two copies of core', () => {
    it('the second copy really has other classes', () => {
      expect(new second.DbssProjectNotFoundError('r')).not.toBeInstanceOf(DbssProjectNotFoundError);
    });

    it('an error of the second copy classifies as one of this copy', () => {
      const theirs = second.DbssApiError.generate(403, '{"error_code":"X.403","error_msg":"no"}', headers({}));
      const ours = DbssApiError.generate(403, '{"error_code":"X.403","error_msg":"no"}', headers({}));
      expect(classifyError(theirs)).toEqual(classifyError(ours));
      expect(classifyError(new second.DbssProjectNotFoundError('ap-southeast-1'))).toEqual(
        classifyError(new DbssProjectNotFoundError('ap-southeast-1')),
      );
      expect(second.classifyError(new DbssTimeoutError(10))).toEqual(classifyError(new DbssTimeoutError(10)));
    });

    it('a plain object with the same name and code (an error after JSON) classifies the same', () => {
      for (const err of [
        new DbssValidationError('projectId must be 32 to 64 letters and digits', { field: 'projectId' }),
        new DbssProjectNotFoundError('eu-west-101'),
        new DbssTimeoutError(250, { requestId: 'abc' }),
        DbssApiError.generate(429, '{"error_code":"T"}', headers({ 'retry-after': '3', 'x-request-id': 'q' })),
      ]) {
        expect(classifyError(JSON.parse(JSON.stringify(err)))).toEqual(classifyError(err));
      }
    });
  });

  it('a real call: what the client throws for a refused token classifies from its fields', async () => {
    emu.fault({
      status: 401,
      body: { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' },
    });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN }, proxy: false });
    const err = await c.listObsBuckets({ projectId: DEMO_PROJECT_ID }).catch((e) => e);
    expect(classifyError(err)).toMatchObject({
      code: 'AUTHENTICATION_FAILED',
      status: 401,
      retryable: false,
      upstream: { status: 401, errorCode: 'APIGW.0301' },
    });
    expect(JSON.stringify(classifyError(err))).not.toContain(DEMO_TOKEN);
  });
});
