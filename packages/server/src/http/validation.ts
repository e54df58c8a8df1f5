import {
  FREE_TEXT_KEYWORD,
  freeTextProblem,
  keptText,
  type FreeTextProblem,
} from '@patina/contract';
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import FormatRegistry from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { PatinaError } from '../core/errors.js';
import { freeTextError } from '../core/free-text.js';
import { echo } from '../core/redact.js';

/**
 * Two validators: bodies are checked strictly (no type coercion, no silently dropped fields: a
 * wrong type or an unknown field is a 400 naming it), query strings and path parameters are
 * coerced from text, as they must be.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  FormatRegistry.default(ajv);
  ajv.addKeyword({
    keyword: FREE_TEXT_KEYWORD,
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    errors: true,
    validate: checkFreeText,
  });
  return ajv;
}

/**
 * The free-text keyword (`@patina/contract`, free-text.ts): a text that breaks the rule is
 * refused with the problem in `params`; one that keeps it is written back into the body as
 * Patina keeps it (trimmed, NFC).
 */
const checkFreeText: SchemaValidateFunction = (schema, data, _parent, context) => {
  if (schema !== true || typeof data !== 'string') return true;
  const problem = freeTextProblem(data);
  if (problem) {
    checkFreeText.errors = [{ keyword: FREE_TEXT_KEYWORD, message: problem, params: { problem } }];
    return false;
  }
  // The body's root has no parent to write into; a free-text field is never the root.
  if (context?.parentData !== undefined) {
    context.parentData[context.parentDataProperty] = keptText(data);
  }
  return true;
};

/** The two validator sets of one set of shared schemas, each by schema text. */
interface Compiled {
  strict: Ajv;
  coercing: Ajv;
  byText: { strict: Map<string, ValidateFunction>; coercing: Map<string, ValidateFunction> };
}

/**
 * Validators are made once per schema text and set of shared schemas (the ones routes reference
 * by `$ref`), not once per app: what Ajv builds depends only on the schema's JSON and those shared
 * schemas, which are module constants, so a second app in one process (a test, a restart in
 * place) compiles nothing again. Keyed by the set itself, so apps with other shared schemas never
 * see these.
 */
const BY_SHARED = new WeakMap<readonly object[], Compiled>();

function compiledFor(shared: readonly object[]): Compiled {
  let compiled = BY_SHARED.get(shared);
  if (!compiled) {
    compiled = {
      strict: makeAjv(false),
      coercing: makeAjv(true),
      byText: { strict: new Map(), coercing: new Map() },
    };
    for (const schema of shared) {
      compiled.strict.addSchema(schema);
      compiled.coercing.addSchema(schema);
    }
    BY_SHARED.set(shared, compiled);
  }
  return compiled;
}

/** A validator compiler: bodies strict, everything else coerced, over `shared`. */
export function createValidatorCompiler(shared: readonly object[]) {
  const compiled = compiledFor(shared);
  return ({
    schema,
    httpPart,
  }: {
    schema: object;
    httpPart?: string | undefined;
  }): ValidateFunction => {
    const kind = httpPart === 'body' ? 'strict' : 'coercing';
    const text = JSON.stringify(schema);
    let validate = compiled.byText[kind].get(text);
    if (!validate) {
      validate = compiled[kind].compile(schema);
      compiled.byText[kind].set(text, validate);
    }
    return validate;
  };
}

/** Turns the first schema violation into a domain error whose message names the field. */
export function validationToError(
  errors: readonly (FastifySchemaValidationError | ErrorObject)[],
  part: string,
): PatinaError {
  const error = errors[0];
  if (!error) return new PatinaError('BAD_REQUEST', 'The request is invalid');
  const params = error.params as Record<string, unknown>;
  const base = pointerToField(error.instancePath ?? '');
  const where = part === 'body' ? '' : part === 'querystring' ? 'query parameter ' : `${part} `;
  // Field names come from the request (an unknown member's name is whatever was sent).
  const field = (name: string) => `${where}'${echo(name)}'`;

  if (error.keyword === FREE_TEXT_KEYWORD) {
    return freeTextError(base || 'body', params.problem as FreeTextProblem);
  }
  switch (error.keyword) {
    case 'required': {
      const name = join(base, String(params.missingProperty));
      return new PatinaError('REQUIRED_MISSING', `Required ${field(name)} is missing`, {
        field: name,
      });
    }
    case 'additionalProperties': {
      const name = join(base, String(params.additionalProperty));
      return new PatinaError(
        'BAD_REQUEST',
        `Unknown field ${field(name)}: this resource has no such field`,
        {
          field: name,
        },
      );
    }
    case 'type': {
      const types = String(params.type).split(',').join(' or ');
      return new PatinaError(
        'ILLEGAL_VALUE',
        `${capital(field(base || 'body'))} must be ${article(types)}`,
        {
          field: base || 'body',
        },
      );
    }
    case 'enum':
      return new PatinaError(
        'ILLEGAL_VALUE',
        `${capital(field(base))} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`,
        { field: base },
      );
    case 'format':
      return new PatinaError(
        'ILLEGAL_VALUE',
        `${capital(field(base))} must be a valid ${String(params.format)}${params.format === 'date-time' ? ' (RFC 3339, e.g. 2026-07-11T18:45:37.098Z)' : ''}`,
        { field: base },
      );
    default:
      return new PatinaError(
        'ILLEGAL_VALUE',
        `${capital(field(base || 'body'))} ${error.message ?? 'is invalid'}`,
        {
          field: base || 'body',
        },
      );
  }
}

/** `/scope/0` → `scope[0]` */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function join(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function article(types: string): string {
  return /^(integer|array|object)/.test(types) ? `an ${types}` : `a ${types}`;
}
