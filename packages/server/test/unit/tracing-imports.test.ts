import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../../src/tracing/start.js';
import { NO_TRACING } from '../../src/tracing/tracing.js';

/**
 * Tracing is off by default, and then no OpenTelemetry code is loaded (docs/operations.md,
 * "Traces"): only src/tracing/sdk.ts imports the SDK's modules, and only start.ts loads it, with
 * a dynamic import() taken when `tracing.enabled` is true. Type-only imports are erased and load
 * nothing. This reads every source file's imports and holds them to that.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const SDK_FILE = 'tracing/sdk.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

interface StaticImport {
  typeOnly: boolean;
  from: string;
}

/** `import … from '…'` and `export … from '…'`, over several lines too. */
function staticImports(source: string): StaticImport[] {
  return [
    ...source.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?'([^']+)'/gm),
  ].map((match) => ({ typeOnly: match[1] !== undefined, from: match[2]! }));
}

const FILES = sourceFiles(SRC).map((file) => ({
  file,
  source: readFileSync(join(SRC, file), 'utf8'),
}));

describe('the OpenTelemetry SDK', () => {
  it('is imported by src/tracing/sdk.ts alone', () => {
    expect(FILES.map((f) => f.file)).toContain(SDK_FILE);
    const loaders = FILES.filter(({ file, source }) =>
      staticImports(source).some(
        (i) => !i.typeOnly && i.from.startsWith('@opentelemetry/') && file !== SDK_FILE,
      ),
    ).map((f) => f.file);
    expect(loaders).toEqual([]);
  });

  it('is loaded only by the dynamic import in startTracing', () => {
    const importers = FILES.filter(({ source }) =>
      staticImports(source).some((i) => /(^|\/)sdk\.js$/.test(i.from) && !i.typeOnly),
    ).map((f) => f.file);
    expect(importers).toEqual([]);
    const dynamic = FILES.filter(({ source }) => /import\(\s*'[^']*sdk\.js'\s*\)/.test(source)).map(
      (f) => f.file,
    );
    expect(dynamic).toEqual(['tracing/start.ts']);
  });

  it('is not loaded when tracing is off', async () => {
    expect(await startTracing({ enabled: false })).toBe(NO_TRACING);
  });

  it('reads multi-line and type-only imports', () => {
    expect(
      staticImports(
        "import {\n  trace,\n  type Span,\n} from '@opentelemetry/api';\nimport type { X } from './sdk.js';\nexport { a } from './b.js';",
      ),
    ).toEqual([
      { typeOnly: false, from: '@opentelemetry/api' },
      { typeOnly: true, from: './sdk.js' },
      { typeOnly: false, from: './b.js' },
    ]);
  });
});
