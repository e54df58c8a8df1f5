import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'tools/bench/results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The client's address is read in one place, in canonical form (issue 21, item 11).
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/http/client-address.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^(request|req)$/][property.name='ip']",
          message:
            'Read the client address with clientAddress() or clientAddressKey() (http/client-address.ts): request.ip is whatever X-Forwarded-For said.',
        },
      ],
    },
  },
  {
    // Random bytes and ciphers in two places only: core/ (ids, random text, the sealed box) and
    // tokens/ (secrets, digests, the master key), so ids, secrets and sealing are each made one
    // way rather than inline wherever they are needed.
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/core/**', 'packages/server/src/tokens/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:crypto',
              importNames: ['randomBytes', 'createCipheriv', 'createDecipheriv', 'hkdfSync'],
              message:
                'Use randomHexId() or randomText() (core/ids.ts) for random values and SealedBox (core/sealed-box.ts) to keep a value sealed.',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract owns every path of the API: the rest derive them from its constants
    // (ADMIN_BASE, PAT_SURFACES, SSF_PATHS), so a path cannot drift between server and clients.
    files: ['packages/*/src/**/*.{ts,tsx}'],
    ignores: ['packages/contract/src/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^\\/(patina\\/v1|ssf\\/|v3\\/|beta\\/|v202[4-6]\\/)/]',
          message: 'Take API paths from @patina/contract (ADMIN_BASE, PAT_SURFACES, SSF_PATHS).',
        },
        {
          selector:
            'TemplateElement[value.raw=/^\\/(patina\\/v1|ssf\\/|v3\\/|beta\\/|v202[4-6]\\/)/]',
          message: 'Take API paths from @patina/contract (ADMIN_BASE, PAT_SURFACES, SSF_PATHS).',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // CommonJS config files (dependency-cruiser's): Node's module globals.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
);
