import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apiVersionWarnings, canUse } from '../src/cli/telemetry/api-versions.js';
import { telemetryPlan } from '../src/cli/telemetry/telemetry-plan.js';

describe('telemetryPlan: each signal only when the variables ask', () => {
  it('is off with no variable, and with OTEL_SDK_DISABLED', () => {
    expect(telemetryPlan({})).toEqual({ traces: false, metricExporters: [], logs: false });
    expect(telemetryPlan({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'console' })).toEqual({
      traces: false,
      metricExporters: [],
      logs: false,
    });
  });

  it('traces from OTEL_TRACES_EXPORTER or an OTLP endpoint; metrics and logs only when named', () => {
    expect(telemetryPlan({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({
      traces: true,
      metricExporters: [],
      logs: false,
    });
    expect(telemetryPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toMatchObject({
      traces: true,
      metricExporters: [],
    });
    expect(
      telemetryPlan({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' }),
    ).toMatchObject({ traces: false });
    expect(telemetryPlan({ OTEL_METRICS_EXPORTER: 'otlp, console,otlp' })).toMatchObject({
      traces: false,
      metricExporters: ['otlp', 'console'],
    });
    expect(
      telemetryPlan({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://x:4318/v1/metrics' }),
    ).toMatchObject({ metricExporters: ['otlp'] });
    expect(telemetryPlan({ OTEL_LOGS_EXPORTER: 'otlp' })).toMatchObject({ logs: true });
  });
});

describe('copies of @opentelemetry/api that cannot see each other', () => {
  const GLOBAL = Symbol.for('opentelemetry.js.api.1');
  const globals = globalThis as Record<symbol, unknown>;
  const saved = globals[GLOBAL];
  const dirs: string[] = [];
  afterEach(() => {
    globals[GLOBAL] = saved;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** An app folder whose node_modules holds @opentelemetry/api at `version`. */
  function appWithApi(version: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'celeriac-api-'));
    dirs.push(dir);
    const api = path.join(dir, 'node_modules', '@opentelemetry', 'api');
    mkdirSync(api, { recursive: true });
    writeFileSync(
      path.join(api, 'package.json'),
      JSON.stringify({ name: '@opentelemetry/api', version, main: 'index.js' }),
    );
    writeFileSync(path.join(api, 'index.js'), '');
    writeFileSync(path.join(dir, 'app.js'), '');
    return path.join(dir, 'app.js');
  }

  it('follows the API’s rule: an older minor can use a newer registration, not the reverse', () => {
    expect(canUse('1.9.0', '1.10.0')).toBe(true);
    expect(canUse('1.10.0', '1.10.0')).toBe(true);
    expect(canUse('1.10.0', '1.9.0')).toBe(false);
    expect(canUse('2.0.0', '1.10.0')).toBe(false);
  });

  it('warns when the app registered an SDK through an API too old for celeriac’s', () => {
    globals[GLOBAL] = { version: '1.9.0' };
    const warnings = apiVersionWarnings(appWithApi('1.9.0'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /registered through @opentelemetry\/api 1\.9\.0, which celeriac's 1\.10\.\d+ cannot use/,
    );
  });

  it('warns when the app imports a newer API of its own than the SDK registered through', () => {
    globals[GLOBAL] = { version: '1.10.0' };
    const warnings = apiVersionWarnings(appWithApi('1.11.0'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /the app imports its own @opentelemetry\/api 1\.11\.0 .* the app's own spans and metrics are dropped/,
      ),
    ]);
  });

  it('says nothing when every copy can use the registration, or nothing is registered', () => {
    globals[GLOBAL] = { version: '1.10.0' };
    expect(apiVersionWarnings(appWithApi('1.9.0'))).toEqual([]);
    delete globals[GLOBAL];
    expect(apiVersionWarnings(appWithApi('1.11.0'))).toEqual([]);
  });
});
