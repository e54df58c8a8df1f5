import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  publicBaseUrl,
  unknownVariableWarnings,
} from '../../src/config/load.js';

/** A JSON config file in a fresh temporary directory, removed when the test ends. */
function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'patina-config-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'patina.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** A well-formed master key: 32 random bytes, base64. */
const KEY = randomBytes(32).toString('base64');
const BAD_MASTER_KEY = 'masterKey (PATINA_MASTER_KEY) must be 32 random bytes, base64-encoded';

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('configuration defaults', () => {
  it('fills every default', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 7070,
      workers: 1,
      dataDir: './data',
      publicBaseUrl: null,
      issuer: null,
      audience: null,
      database: {
        url: null,
        schema: null,
        poolMax: 10,
        connectTimeoutMs: 5000,
        idleTimeoutMs: 30_000,
        statementTimeoutMs: 15_000,
      },
      redis: { url: null, keyPrefix: 'patina:' },
      metrics: { port: null, host: '127.0.0.1' },
      tracing: { enabled: false },
      masterKey: null,
      logLevel: 'info',
      log: { format: 'json' },
      bodyLimitBytes: 65_536,
      http: {
        requestTimeoutMs: 30_000,
        connectionTimeoutMs: 60_000,
        keepAliveTimeoutMs: 5000,
        maxConnectionsPerAddress: 256,
      },
      tenant: { name: 'patina', org: 'patina', pod: 'local' },
      trustProxy: [],
      resources: [],
      signing: { algorithm: 'ES256', rotateAfterDays: null },
      policy: {
        maxLifetimeMonths: 6,
        allowNeverExpiring: false,
        maxTokensPerOwner: 10,
        accessTokenValiditySeconds: { min: 15, max: 43_200, default: 43_200 },
        rateLimit: { max: 100, windowSeconds: 10 },
        lockout: {
          maxFailures: 10,
          maxFailuresPerAddress: 100,
          windowSeconds: 300,
          durationSeconds: 900,
        },
        expiringSoonDays: 14,
        onRotatedSecretReuse: 'alert',
        leakRevocationRateLimit: { max: 60, windowSeconds: 3600 },
        inactivity: { revokeAfterDays: null, warnDaysBefore: 7 },
        rules: [],
      },
      housekeeping: { intervalSeconds: 300 },
      dpop: { proofMaxAgeSeconds: 60, requireNonce: false },
      federation: {
        allowPrivateNetworks: false,
        allowHttp: false,
        maxTokenAgeSeconds: 3600,
        maxDelegationDepth: 3,
        clockSkewSeconds: 60,
      },
      webhooks: { allowPrivateNetworks: false, allowHttp: false, maxWebhooks: 100 },
      email: { smtp: { url: null, from: null } },
      approval: { rules: [], secretWindowHours: 24 },
      scim: { groupRoles: {} },
      accessReviews: { reminderDaysBefore: [7, 1], usageHistoryDays: 90 },
      ssf: {
        eventRetentionDays: 7,
        minVerificationIntervalSeconds: 30,
        pollMaxWaitSeconds: 30,
        pushConcurrency: 16,
        maxStreamsPerClient: 10,
        inactivityTimeoutSeconds: 86400,
        maxStreams: 1000,
        maxStreamConfigurationBytes: 8192,
      },
      notifications: { expiryWarningDays: [30, 7, 1, 0] },
      console: {
        idleTimeoutMinutes: 30,
        absoluteLifetimeHours: 12,
        signInRateLimit: { max: 30, windowSeconds: 300 },
      },
      sso: {
        issuer: null,
        clientId: null,
        clientSecret: null,
        redirectUri: null,
        scopes: ['openid', 'email', 'profile'],
        identityClaims: ['email', 'preferred_username'],
        autoProvision: true,
        linkExistingByVerifiedEmail: false,
        groupsClaim: 'groups',
        groupRoles: {},
        label: 'SSO',
        allowHttp: false,
      },
      scopes: [],
      roles: {},
    });
    expect(publicBaseUrl(config)).toBe('http://127.0.0.1:7070');
  });

  it('fills defaults beside the values given, without changing the input', () => {
    const input = { policy: { maxTokensPerOwner: 3 }, scopes: [{ name: 'orders:read' }] };
    const before = structuredClone(input);
    const config = parseConfig(input);
    expect(config.policy.maxTokensPerOwner).toBe(3);
    expect(config.policy.maxLifetimeMonths).toBe(6);
    expect(config.scopes).toEqual([{ name: 'orders:read', description: '' }]);
    expect(input).toEqual(before);
  });

  it('returns a deeply frozen object', () => {
    const config = parseConfig({ scopes: [{ name: 'orders:read' }] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      config.port = 1;
    }).toThrow(TypeError);
    expect(() => {
      config.policy.maxTokensPerOwner = 1000;
    }).toThrow(TypeError);
    expect(() => {
      config.policy.accessTokenValiditySeconds.max = 1;
    }).toThrow(TypeError);
    expect(() => config.scopes.push({ name: 'x', description: '' })).toThrow(TypeError);
    expect(config.port).toBe(7070);
    expect(config.policy.maxTokensPerOwner).toBe(10);
  });
});

describe('configuration sources', () => {
  const FILE = { host: '10.0.0.1', port: 8000, dataDir: '/srv/file', logLevel: 'warn' };

  it('reads the file named by the option or by PATINA_CONFIG', () => {
    const file = configFile({ ...FILE, policy: { maxTokensPerOwner: 4 } });
    for (const config of [
      loadConfig({ file, env: {} }),
      loadConfig({ env: { PATINA_CONFIG: file } }),
    ]) {
      expect(config.host).toBe('10.0.0.1');
      expect(config.port).toBe(8000);
      expect(config.dataDir).toBe('/srv/file');
      expect(config.policy.maxTokensPerOwner).toBe(4);
    }
  });

  it('takes workers as a count or auto, from the file, PATINA_WORKERS or the flag', () => {
    expect(loadConfig({ file: configFile({ workers: 3 }), env: {} }).workers).toBe(3);
    expect(loadConfig({ env: { PATINA_WORKERS: '4' } }).workers).toBe(4);
    expect(loadConfig({ env: { PATINA_WORKERS: 'auto' } }).workers).toBe('auto');
    expect(loadConfig({ env: { PATINA_WORKERS: '4' }, overrides: { workers: 2 } }).workers).toBe(2);
    for (const [value, message] of [
      ['0', 'workers (PATINA_WORKERS)'],
      ['many', 'workers (PATINA_WORKERS)'],
      ['2.5', 'workers (PATINA_WORKERS)'],
    ] as const) {
      expect(configError(() => loadConfig({ env: { PATINA_WORKERS: value } })).message).toContain(
        message,
      );
    }
  });

  it('lets the environment override the file', () => {
    const file = configFile(FILE);
    const config = loadConfig({
      file,
      env: {
        PATINA_HOST: '0.0.0.0',
        PATINA_PORT: '9000',
        PATINA_DATA_DIR: '/srv/env',
        PATINA_LOG_LEVEL: 'debug',
        PATINA_LOG_FORMAT: 'pretty',
        PATINA_PUBLIC_BASE_URL: 'https://pat.example.com/',
        PATINA_ISSUER: 'https://issuer.example.com',
      },
    });
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(9000);
    expect(config.dataDir).toBe('/srv/env');
    expect(config.logLevel).toBe('debug');
    expect(config.log.format).toBe('pretty');
    expect(config.issuer).toBe('https://issuer.example.com');
    expect(publicBaseUrl(config)).toBe('https://pat.example.com');
  });

  it('ignores empty environment variables', () => {
    const file = configFile(FILE);
    const config = loadConfig({ file, env: { PATINA_HOST: '', PATINA_PORT: '' } });
    expect(config.host).toBe('10.0.0.1');
    expect(config.port).toBe(8000);
  });

  it('lets flags override the environment, and skips flags not given', () => {
    const file = configFile(FILE);
    const config = loadConfig({
      file,
      env: { PATINA_HOST: '0.0.0.0', PATINA_PORT: '9000', PATINA_DATA_DIR: '/srv/env' },
      overrides: { port: 9100, dataDir: '/srv/flag', host: undefined },
    });
    expect(config.port).toBe(9100);
    expect(config.dataDir).toBe('/srv/flag');
    expect(config.host).toBe('0.0.0.0');
  });

  it('takes the database and Redis URLs from the environment', () => {
    const config = loadConfig({
      env: {
        PATINA_DATABASE_URL: 'postgres://patina@db.example.com:5432/patina',
        PATINA_REDIS_URL: 'redis://cache.example.com:6379/2',
        PATINA_MASTER_KEY: KEY,
        PATINA_PUBLIC_BASE_URL: 'https://pat.example.com',
      },
    });
    expect(config.database).toEqual({
      url: 'postgres://patina@db.example.com:5432/patina',
      schema: null,
      poolMax: 10,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: 15_000,
    });
    expect(config.redis).toEqual({ url: 'redis://cache.example.com:6379/2', keyPrefix: 'patina:' });
    expect(config.masterKey).toBe(KEY);
  });

  it("merges PATINA_DATABASE_URL and PATINA_REDIS_URL into the file's settings", () => {
    const file = configFile({
      database: {
        url: 'postgres://file.example.com/patina',
        schema: 'patina_prod',
        poolMax: 25,
        connectTimeoutMs: 2000,
      },
      redis: { url: 'redis://file-cache:6379', keyPrefix: 'prod:' },
      masterKey: KEY,
      publicBaseUrl: 'https://pat.example.com',
    });
    const config = loadConfig({
      file,
      env: {
        PATINA_DATABASE_URL: 'postgresql://env.example.com/patina',
        PATINA_REDIS_URL: 'rediss://env-cache:6380',
      },
    });
    expect(config.database).toEqual({
      url: 'postgresql://env.example.com/patina',
      schema: 'patina_prod',
      poolMax: 25,
      connectTimeoutMs: 2000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: 15_000,
    });
    expect(config.redis).toEqual({ url: 'rediss://env-cache:6380', keyPrefix: 'prod:' });
    // Without the variables the file's URLs stand.
    const fileOnly = loadConfig({ file, env: { PATINA_DATABASE_URL: '', PATINA_REDIS_URL: '' } });
    expect(fileOnly.database.url).toBe('postgres://file.example.com/patina');
    expect(fileOnly.redis.url).toBe('redis://file-cache:6379');
  });

  it('names database.url and PATINA_DATABASE_URL when it is not a PostgreSQL URL', () => {
    expect(
      configError(() =>
        loadConfig({ env: { PATINA_DATABASE_URL: 'mysql://x', PATINA_MASTER_KEY: KEY } }),
      ).message,
    ).toBe(
      'Invalid configuration in settings: database.url (PATINA_DATABASE_URL) must match pattern "^postgres(ql)?://"',
    );
  });

  it('takes a base64 master key of 32 bytes from the environment', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ env: { PATINA_MASTER_KEY: key } }).masterKey).toBe(key);
  });

  it('derives the public URL from host and port, with 0.0.0.0 and IPv6 made reachable', () => {
    expect(publicBaseUrl(parseConfig({ host: '0.0.0.0', port: 8080 }))).toBe(
      'http://127.0.0.1:8080',
    );
    expect(publicBaseUrl(parseConfig({ host: '::1', port: 8080 }))).toBe('http://[::1]:8080');
  });
});

describe('bad configuration stops with the exact path', () => {
  const cases: [string, unknown, string][] = [
    [
      'a policy value',
      { policy: { maxTokensPerOwner: 0 } },
      'policy.maxTokensPerOwner must be >= 1',
    ],
    ['an unknown key', { polcy: {} }, 'polcy is not a setting; did you mean `policy`?'],
    [
      'a key in the wrong case',
      { logLEVEL: 'info' },
      'logLEVEL is not a setting; did you mean `logLevel`?',
    ],
    [
      'an unknown nested key',
      { policy: { lockout: { bogus: 1 } } },
      'policy.lockout.bogus is not a setting; known here: maxFailures, maxFailuresPerAddress, windowSeconds, durationSeconds',
    ],
    [
      'a signing algorithm',
      { signing: { algorithm: 'HS256' } },
      'signing.algorithm must be one of: ES256, EdDSA, RS256',
    ],
    ['a port that is not a number', { port: 'abc' }, 'port must be integer'],
    ['a port out of range', { port: 70_000 }, 'port must be <= 65535'],
    [
      'a log level',
      { logLevel: 'verbose' },
      'logLevel must be one of: fatal, error, warn, info, debug, trace, silent',
    ],
    ['a log format', { log: { format: 'text' } }, 'log.format must be one of: json, pretty'],
    ['a base URL', { publicBaseUrl: 'not a url' }, 'publicBaseUrl must match format "uri"'],
    [
      'a scope with white space',
      { scopes: [{ name: 'orders read' }] },
      'scopes.0.name must match pattern "^[^\\s]+$"',
    ],
    ['a role name', { roles: { auditor: [] } }, 'roles.auditor is not an allowed key here'],
    [
      'a master key of the wrong size',
      { masterKey: 'abc' },
      'masterKey (PATINA_MASTER_KEY) must be 32 random bytes, base64-encoded',
    ],
    [
      'a database URL that is not PostgreSQL',
      { database: { url: 'mysql://x' }, masterKey: KEY },
      'database.url must match pattern "^postgres(ql)?://"',
    ],
    [
      'a schema name that is not a plain lower-case identifier',
      { database: { url: 'postgres://db.example.com/patina', schema: 'Bad-Name' }, masterKey: KEY },
      'database.schema must match pattern "^[a-z_][a-z0-9_]{0,47}$"',
    ],
    ['a pool size', { database: { poolMax: 0 } }, 'database.poolMax must be >= 1'],
    [
      'a connect timeout',
      { database: { connectTimeoutMs: 99 } },
      'database.connectTimeoutMs must be >= 100',
    ],
    [
      'an unknown database key',
      { database: { host: 'db' } },
      'database.host is not a setting; known here: url, schema, poolMax, connectTimeoutMs, idleTimeoutMs, statementTimeoutMs',
    ],
    [
      'a Redis URL that is not redis://',
      { redis: { url: 'http://cache:6379' } },
      'redis.url must match pattern "^rediss?://"',
    ],
    [
      'an empty Redis key prefix',
      { redis: { keyPrefix: '' } },
      'redis.keyPrefix must NOT have fewer than 1 characters',
    ],
    [
      'validity bounds out of order',
      { policy: { accessTokenValiditySeconds: { min: 100, default: 50 } } },
      'policy.accessTokenValiditySeconds must satisfy min <= default <= max',
    ],
  ];
  for (const [what, raw, message] of cases) {
    it(`names ${what}`, () => {
      expect(configError(() => parseConfig(raw)).message).toBe(
        `Invalid configuration in settings: ${message}`,
      );
    });
  }

  it('names the file the bad value came from', () => {
    const file = configFile({ policy: { maxTokensPerOwner: 0 } });
    expect(configError(() => loadConfig({ file, env: {} })).message).toBe(
      `Invalid configuration in ${file}: policy.maxTokensPerOwner must be >= 1`,
    );
  });

  it('turns tracing on and off with PATINA_TRACING', () => {
    expect(loadConfig({ env: { PATINA_TRACING: 'true' } }).tracing).toEqual({ enabled: true });
    expect(loadConfig({ env: { PATINA_TRACING: 'false' } }).tracing).toEqual({ enabled: false });
    const file = configFile({ tracing: { enabled: true } });
    expect(loadConfig({ file, env: { PATINA_TRACING: 'false' } }).tracing.enabled).toBe(false);
    expect(configError(() => loadConfig({ env: { PATINA_TRACING: 'yes' } })).message).toBe(
      'Invalid configuration in settings: tracing.enabled (PATINA_TRACING) must be boolean',
    );
  });

  it('names the variable when PATINA_PORT is not a number', () => {
    expect(configError(() => loadConfig({ env: { PATINA_PORT: 'abc' } })).message).toBe(
      'Invalid configuration in settings: port (PATINA_PORT) must be integer',
    );
  });

  it('does not blame the variable when a flag set the value', () => {
    expect(
      configError(() => loadConfig({ env: { PATINA_PORT: '7070' }, overrides: { port: 'x' } }))
        .message,
    ).toBe('Invalid configuration in settings: port must be integer');
  });

  it('refuses a master key from the environment that is not 32 bytes', () => {
    const short = randomBytes(16).toString('base64');
    expect(configError(() => loadConfig({ env: { PATINA_MASTER_KEY: short } })).message).toBe(
      `Invalid configuration in settings: ${BAD_MASTER_KEY}`,
    );
  });

  it('refuses a master key that is not strict base64 of exactly 32 bytes', () => {
    const malformed = {
      'too short': 'abc',
      // 44 characters, the length of a good key, but none of them base64: Buffer.from would
      // skip them all rather than fail.
      'not base64': '!'.repeat(44),
      '32 bytes with a character that is not base64': `${KEY.slice(0, 10)}!${KEY.slice(11)}`,
      '31 bytes': randomBytes(31).toString('base64'),
      '33 bytes': randomBytes(33).toString('base64'),
      '32 bytes in hex': randomBytes(32).toString('hex'),
    };
    for (const [what, masterKey] of Object.entries(malformed)) {
      expect(configError(() => parseConfig({ masterKey })).message, what).toBe(
        `Invalid configuration in settings: ${BAD_MASTER_KEY}`,
      );
      expect(
        configError(() => loadConfig({ env: { PATINA_MASTER_KEY: masterKey } })).message,
        what,
      ).toBe(`Invalid configuration in settings: ${BAD_MASTER_KEY}`);
    }
  });

  it('accepts a 32-byte master key in base64 with or without padding, and in base64url', () => {
    const bytes = randomBytes(32);
    for (const masterKey of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ]) {
      expect(parseConfig({ masterKey }).masterKey).toBe(masterKey);
    }
  });

  it('requires a master key with PostgreSQL, naming the setting and its variable', () => {
    const fromFile = configFile({ database: { url: 'postgres://db.example.com/patina' } });
    const attempts = [
      () => parseConfig({ database: { url: 'postgres://db.example.com/patina' } }),
      () => loadConfig({ env: { PATINA_DATABASE_URL: 'postgresql://db.example.com/patina' } }),
      () => loadConfig({ file: fromFile, env: {} }),
    ];
    for (const attempt of attempts) {
      const { message } = configError(attempt);
      expect(message).toMatch(/PostgreSQL needs these settings: masterKey \(PATINA_MASTER_KEY\)/);
      expect(message).toContain('masterKey');
      expect(message).toContain('PATINA_MASTER_KEY');
    }
    expect(configError(attempts[2]!).message).toContain(fromFile);
  });

  it('names every setting PostgreSQL is missing in one message', () => {
    expect(
      configError(() =>
        loadConfig({ env: { PATINA_DATABASE_URL: 'postgres://db.example.com/patina' } }),
      ).message,
    ).toBe(
      'Invalid configuration in settings: PostgreSQL needs these settings: ' +
        'masterKey (PATINA_MASTER_KEY), so that every node shares it; make one with: openssl rand -base64 32. ' +
        "publicBaseUrl (PATINA_PUBLIC_BASE_URL), so that every node names the same issuer; set it to the URL clients use (the load balancer's).",
    );
  });

  it('requires a public base URL or an issuer with PostgreSQL, so every node names one issuer', () => {
    const postgres = { database: { url: 'postgres://db.example.com/patina' }, masterKey: KEY };
    expect(configError(() => parseConfig(postgres)).message).toBe(
      "Invalid configuration in settings: PostgreSQL needs a setting: publicBaseUrl (PATINA_PUBLIC_BASE_URL), so that every node names the same issuer; set it to the URL clients use (the load balancer's).",
    );
    expect(
      parseConfig({ ...postgres, publicBaseUrl: 'https://pat.example.com' }).issuer,
    ).toBeNull();
    expect(parseConfig({ ...postgres, issuer: 'https://pat.example.com' }).issuer).toBe(
      'https://pat.example.com',
    );
    expect(parseConfig({}).publicBaseUrl).toBeNull();
  });

  it('does not require a master key with SQLite or with Redis alone', () => {
    expect(parseConfig({}).masterKey).toBeNull();
    expect(parseConfig({ redis: { url: 'redis://cache:6379' } }).masterKey).toBeNull();
  });

  it('refuses a config file that is not JSON, not an object, or missing', () => {
    const notJson = configFile('{ "port": 7070, }');
    expect(configError(() => loadConfig({ file: notJson, env: {} })).message).toBe(
      `Config file ${notJson} is not valid JSON`,
    );
    const array = configFile([]);
    expect(configError(() => loadConfig({ file: array, env: {} })).message).toBe(
      `Config file ${array} must hold a JSON object`,
    );
    const missing = join(notJson, '..', 'absent.json');
    expect(configError(() => loadConfig({ file: missing, env: {} })).message).toBe(
      `Cannot read config file ${missing}`,
    );
  });
});

describe('trustProxy', () => {
  it('takes CIDRs and addresses, and stops the start at one that is neither, naming it', () => {
    expect(parseConfig({ trustProxy: ['10.0.0.0/8', '::1'] }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(() => parseConfig({ trustProxy: ['10.0.0.0/8', 'proxy.internal'] })).toThrow(
      'Invalid configuration in settings: trustProxy[1] is not an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24 or 2001:db8::/32',
    );
    expect(() => parseConfig({ trustProxy: ['10.1.2.3/8'] })).toThrow(
      'Invalid configuration in settings: trustProxy[0] has bits set after the prefix; the network is 10.0.0.0/8',
    );
  });
});

describe('unknown PATINA_ variables', () => {
  it('warns of each one, with the variable it most likely meant', () => {
    expect(
      unknownVariableWarnings({
        PATINA_PROT: '7071',
        PATINA_DATABSE_URL: 'postgres://db.example.com/patina',
        PATINA_FROBNICATE: '1',
        PATINA_PORT: '7070',
        PATH: '/usr/bin',
      }),
    ).toEqual([
      'PATINA_DATABSE_URL is not a Patina variable and is ignored; did you mean PATINA_DATABASE_URL?',
      'PATINA_FROBNICATE is not a Patina variable and is ignored; the server reads PATINA_HOST, PATINA_PORT, PATINA_WORKERS, PATINA_DATA_DIR, PATINA_PUBLIC_BASE_URL, PATINA_ISSUER, PATINA_MASTER_KEY, PATINA_LOG_LEVEL, PATINA_LOG_FORMAT, PATINA_DATABASE_URL, PATINA_REDIS_URL, PATINA_METRICS_PORT, PATINA_METRICS_HOST, PATINA_TRACING, PATINA_SMTP_URL, PATINA_SSO_CLIENT_SECRET, PATINA_CONFIG',
      'PATINA_PROT is not a Patina variable and is ignored; did you mean PATINA_PORT?',
    ]);
  });

  it('says nothing of the variables the server, the command or the SDK read', () => {
    expect(
      unknownVariableWarnings({
        PATINA_CONFIG: 'patina.json',
        PATINA_DATABASE_URL: 'postgres://db.example.com/patina',
        PATINA_CLIENT_ID: 'x',
        PATINA_CLIENT_SECRET: 'y',
        PATINA_BASE_URL: 'http://127.0.0.1:7070',
        PATINA_TEST_DATABASE_URL: 'postgres://127.0.0.1/postgres',
      }),
    ).toEqual([]);
  });
});
