import { SCIM_SCHEMAS } from '@patina/contract';
import { invalidSyntax, invalidValue } from './errors.js';
import type { ScimJson } from './filter.js';

/** What a User body (POST, PUT, or a PATCH's result) says, in Patina's terms. */
export interface UserInput {
  userName: string;
  name: string;
  email: string | null;
  active: boolean;
  externalId: string | null;
  employeeNumber: string | null;
  department: string | null;
  /** manager.value as sent: an identity id or an externalId of the same client; null: none. */
  manager: string | null;
}

/**
 * Attributes of RFC 7643's core User schema (§4.1) that Patina accepts and does not keep: a
 * directory's default mapping sends them (Okta: locale, password; Entra: title, roles), and
 * refusing them would break provisioning. Anything else is an unknown attribute: 400.
 */
const ACCEPTED_NOT_KEPT = new Set([
  'nickname',
  'profileurl',
  'title',
  'usertype',
  'preferredlanguage',
  'locale',
  'timezone',
  'password',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509certificates',
]);
/** Read-only or server-set: ignored on the way in (RFC 7643 §2.2 mutability). */
const IGNORED = new Set(['id', 'meta', 'groups']);
const KEPT = new Set([
  'schemas',
  'externalid',
  'username',
  'name',
  'displayname',
  'active',
  'emails',
]);
const ENTERPRISE = SCIM_SCHEMAS.enterpriseUser.toLowerCase();

function isObject(value: unknown): value is ScimJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Case-insensitive member lookup (RFC 7643 §2.1: attribute names are case-insensitive). */
function member(object: ScimJson, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

function optionalString(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw invalidValue(`'${field}' must be a string`);
  if (value.length > max) throw invalidValue(`'${field}' must be at most ${max} characters`);
  return value;
}

/** `active` as a boolean, or as the strings "True"/"False" Entra ID sends in PATCH values. */
export function parseActive(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true';
  }
  throw invalidValue("'active' must be a boolean");
}

/**
 * Reads a User body. `requireSchemas`: a POST or PUT must name the User schema (RFC 7644 §3.3);
 * a PATCH's result is Patina's own representation and does.
 */
export function parseUser(body: unknown): UserInput {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object (a SCIM User)');
  const schemas = member(body, 'schemas');
  if (
    !Array.isArray(schemas) ||
    !schemas.some(
      (s) => typeof s === 'string' && s.toLowerCase() === SCIM_SCHEMAS.user.toLowerCase(),
    )
  ) {
    throw invalidSyntax(`'schemas' must list ${SCIM_SCHEMAS.user}`);
  }
  for (const key of Object.keys(body)) {
    const lower = key.toLowerCase();
    if (
      KEPT.has(lower) ||
      ACCEPTED_NOT_KEPT.has(lower) ||
      IGNORED.has(lower) ||
      lower === ENTERPRISE
    ) {
      continue;
    }
    throw invalidValue(`Unknown attribute '${key.slice(0, 64)}' for a User`);
  }
  const userName = member(body, 'userName');
  if (typeof userName !== 'string' || userName.trim() === '') {
    throw invalidValue("'userName' is required and must be a string");
  }
  const nameValue = member(body, 'name');
  if (nameValue !== undefined && nameValue !== null && !isObject(nameValue)) {
    throw invalidValue("'name' must be an object");
  }
  const formatted = isObject(nameValue)
    ? optionalString(member(nameValue, 'formatted'), 'name.formatted', 256)
    : null;
  const given = isObject(nameValue)
    ? optionalString(member(nameValue, 'givenName'), 'name.givenName', 256)
    : null;
  const family = isObject(nameValue)
    ? optionalString(member(nameValue, 'familyName'), 'name.familyName', 256)
    : null;
  const displayName = optionalString(member(body, 'displayName'), 'displayName', 256);
  // The one name Patina keeps: the formatted name, else the display name, else given + family.
  const name =
    formatted ?? displayName ?? ([given, family].filter(Boolean).join(' ') || userName.trim());
  const activeValue = member(body, 'active');
  const active =
    activeValue === undefined || activeValue === null ? true : parseActive(activeValue);
  const emails = member(body, 'emails');
  let email: string | null = null;
  if (emails !== undefined && emails !== null) {
    if (!Array.isArray(emails) || !emails.every(isObject)) {
      throw invalidValue("'emails' must be an array of objects");
    }
    const primary = emails.find((e) => member(e, 'primary') === true) ?? emails[0];
    if (primary) email = optionalString(member(primary, 'value'), 'emails.value', 254);
  }
  const externalId = optionalString(member(body, 'externalId'), 'externalId', 256);
  const enterprise = member(body, SCIM_SCHEMAS.enterpriseUser);
  let employeeNumber: string | null = null;
  let department: string | null = null;
  let manager: string | null = null;
  if (enterprise !== undefined && enterprise !== null) {
    if (!isObject(enterprise)) throw invalidValue('The enterprise extension must be an object');
    employeeNumber = optionalString(member(enterprise, 'employeeNumber'), 'employeeNumber', 128);
    department = optionalString(member(enterprise, 'department'), 'department', 256);
    const managerValue = member(enterprise, 'manager');
    // Entra ID sends the manager as a bare string in PATCH; the schema says { value }.
    manager = isObject(managerValue)
      ? optionalString(member(managerValue, 'value'), 'manager.value', 256)
      : optionalString(managerValue, 'manager', 256);
  }
  return {
    userName: userName.trim(),
    name,
    email,
    active,
    externalId,
    employeeNumber,
    department,
    manager,
  };
}
