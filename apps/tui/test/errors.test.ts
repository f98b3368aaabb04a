// describeError maps core's classification: an error from another copy of core (or after JSON) gets the
// same line and exit code as core's own class.
import { DbssApiError, DbssProjectNotFoundError, DbssTimeoutError } from '@dbss-obs/core';
import { describe, expect, it } from 'vitest';
import { describeError, EXIT, exitCodeOf } from '../src/errors.js';

const headers = { get: (n: string) => (n === 'x-request-id' ? 'rid-9' : null) };
const copyOf = (err: Error) => JSON.parse(JSON.stringify(err)) as unknown;

describe('describeError', () => {
  it.each([
    ['no project', new DbssProjectNotFoundError('cn-north-4'), EXIT.usage],
    [
      'a refused token',
      DbssApiError.generate(401, '{"error_code":"APIGW.0301","error_msg":"bad"}', headers),
      EXIT.auth,
    ],
    ['a timeout', new DbssTimeoutError(1000), EXIT.upstream],
  ])('%s: a plain object with the same fields gives the same line and exit code', (_, err, exit) => {
    const ours = describeError(err);
    expect(describeError(copyOf(err))).toEqual(ours);
    expect(exitCodeOf(ours)).toBe(exit);
  });

  it('no project: the fix names the variable and the flag', () => {
    const e = describeError({ name: 'DbssProjectNotFoundError', code: 'PROJECT_NOT_FOUND', region: 'eu-west-101' });
    expect(e).toMatchObject({ code: 'PROJECT_NOT_FOUND', final: true });
    expect(e.message).toContain('eu-west-101');
    expect(e.message).toContain('--project-id');
    expect(e.message).toContain('HUAWEICLOUD_SDK_PROJECT_ID');
  });

  it("anything that is not core's is INTERNAL and tells nothing of it", () => {
    expect(describeError(new Error('token=abc'))).toEqual({
      code: 'INTERNAL',
      message: 'unexpected failure',
      final: false,
    });
  });
});
