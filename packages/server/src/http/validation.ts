import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import FormatRegistry from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { PatinaError } from '../core/errors.js';
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
  return ajv;
}

/**
 * A validator compiler for one app. Fresh Ajv instances per app, each knowing the shared schemas
 * that routes reference by `$ref`.
 */
export function createValidatorCompiler(shared: readonly object[]) {
  const strictAjv = makeAjv(false);
  const coercingAjv = makeAjv(true);
  for (const schema of shared) {
    strictAjv.addSchema(schema);
    coercingAjv.addSchema(schema);
  }
  return ({
    schema,
    httpPart,
  }: {
    schema: object;
    httpPart?: string | undefined;
  }): ValidateFunction =>
    httpPart === 'body' ? strictAjv.compile(schema) : coercingAjv.compile(schema);
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
