// A vitest reporter that names every test which needed its retry (`retry: 1` in each package's
// vitest config). Such a test passed, so the run stays green, but a line starting "RETRIED" says
// which one and why its first attempt failed: .ci/run lists these lines at the end of its output.
import { relative } from 'node:path';

export default class RetriedReporter {
  onTestCaseResult(test) {
    const { retryCount } = test.diagnostic() ?? { retryCount: 0 };
    if (!retryCount) return;
    const result = test.result();
    const first = result.errors?.[0];
    const why = first
      ? String(first.message ?? first)
          .split('\n')[0]
          .slice(0, 300)
      : 'no error recorded';
    const file = relative(test.project.config.root, test.module.moduleId);
    process.stdout.write(
      `RETRIED ${retryCount}x (${result.state === 'passed' ? 'passed on retry' : result.state}): ${file} > ${test.fullName}: ${why}\n`,
    );
  }
}
