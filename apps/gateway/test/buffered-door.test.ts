// The buffered door by construction: a plugin that registers one of Yoga's HTTP-level hooks (onRequest,
// onRequestParse, onResultProcess, onResponse, instrumentation) sends every request through Yoga's door, so
// its hooks see the plain JSON POST the buffered door would otherwise take; without one, the door is used.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, startGatewayServer } from '../src/index.js';
import { captureLogger, QUERY } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });

/** The plain JSON POST every GraphQL client sends: what the buffered door takes. */
const post = (url: string, requestId: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN, 'X-Request-Id': requestId },
    body: JSON.stringify({ query: QUERY, variables: { projectId: DEMO_PROJECT_ID } }),
  });

/** Starts the real server with these plugins, sends two plain POSTs, and returns what was logged. */
async function run(plugins: Plugin[]) {
  const cap = captureLogger();
  const gateway = createGateway({ endpoint: emu.url, maxRetries: 0, logger: cap.logger, plugins });
  const server = await startGatewayServer(gateway, { port: 0, logger: cap.logger });
  try {
    for (const id of ['one', 'two']) {
      const res = await post(server.url, id);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { obsBuckets: unknown[] } }).data.obsBuckets.length).toBeGreaterThan(0);
    }
  } finally {
    await server.shutdown();
  }
  const lines = cap.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    gateway,
    via: lines.filter((l) => l.msg === 'request').map((l) => l.via),
    warnings: lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('buffered door off')),
  };
}

/** A plugin that records which of Yoga's HTTP-level hooks ran, per request id. */
function probe(name: string) {
  const seen: string[] = [];
  const id = (request: Request) => request.headers.get('x-request-id') ?? '?';
  const plugin: Plugin & { name: string } = {
    name,
    onRequest({ request }) {
      seen.push(`onRequest ${id(request)}`);
    },
    onRequestParse({ request }) {
      seen.push(`onRequestParse ${id(request)}`);
    },
    onResultProcess({ request }) {
      seen.push(`onResultProcess ${id(request)}`);
    },
    onResponse({ request }) {
      seen.push(`onResponse ${id(request)}`);
    },
  };
  return { plugin, seen };
}

describe('the buffered door, decided at start from the plugin list', () => {
  it("a plugin with Yoga's HTTP-level hooks sees them fire for a plain JSON POST (every request takes Yoga's door)", async () => {
    const { plugin, seen } = probe('csrf-probe');
    const { gateway, via, warnings } = await run([plugin]);
    expect(gateway.fastPathEnabled).toBe(false);
    expect(via).toEqual(['yoga', 'yoga']);
    for (const id of ['one', 'two']) {
      for (const hook of ['onRequest', 'onRequestParse', 'onResultProcess', 'onResponse'])
        expect(seen).toContain(`${hook} ${id}`);
    }
    // Logged once, naming the plugin and its hooks.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      plugin: 'csrf-probe',
      hooks: ['onRequest', 'onRequestParse', 'onResultProcess', 'onResponse'],
    });
  });

  it('a plugin added by another plugin (addPlugin) counts too', async () => {
    const { plugin, seen } = probe('nested-probe');
    const parent: Plugin = {
      onPluginInit({ addPlugin }) {
        addPlugin(plugin);
      },
    };
    const { via, warnings } = await run([parent]);
    expect(via).toEqual(['yoga', 'yoga']);
    expect(seen).toContain('onRequest one');
    expect(warnings[0]).toMatchObject({ plugin: 'nested-probe' });
  });

  it('Yoga instrumentation sends requests through Yoga door as well', async () => {
    const requests: string[] = [];
    const instrumented: Plugin = {
      instrumentation: {
        request({ request }, wrapped) {
          requests.push(request.headers.get('x-request-id') ?? '?');
          return wrapped();
        },
      },
    };
    const { via } = await run([instrumented]);
    expect(via).toEqual(['yoga', 'yoga']);
    expect(requests).toEqual(['one', 'two']);
  });

  it('without such a plugin the buffered door is used again (GraphQL-level hooks keep it open)', async () => {
    const executed: string[] = [];
    const graphqlLevel: Plugin = {
      onExecute() {
        executed.push('onExecute');
      },
    };
    const { gateway, via, warnings } = await run([graphqlLevel]);
    expect(gateway.fastPathEnabled).toBe(true);
    expect(via).toEqual(['fast', 'fast']);
    expect(executed).toEqual(['onExecute', 'onExecute']);
    expect(warnings).toEqual([]);
  });
});
