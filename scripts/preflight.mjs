#!/usr/bin/env node
// Runs before `pnpm test`: the one system tool the tests need (redis-server: the fleet tests start
// their own on a free port) must be on PATH; without it, stop at once with one message instead of
// failing in the middle of a package's suite.
import { spawnSync } from 'node:child_process';

const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  process.stderr.write(
    [
      'pnpm test: redis-server is not on PATH; the gateway fleet tests start their own (never a system service).',
      'Install it: sudo apt-get install -y redis-server (Debian/Ubuntu), brew install redis (macOS),',
      'or dnf install -y redis (Fedora); then run pnpm test again.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
