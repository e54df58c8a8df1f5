import { SCIM_BASE, SCIM_SCHEMAS } from '@patina/contract';

/**
 * What Patina's SCIM service supports, published at /Schemas (RFC 7643 §7): the attributes of the
 * core User and Group schemas and of the enterprise extension that Patina keeps. Attributes the
 * RFC defines but Patina does not keep (nickName, title, locale, phoneNumbers, password, …) are
 * accepted and ignored on the way in (input.ts), and never returned, so they are not listed.
 */
export interface ScimAttribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: ScimAttribute[];
  referenceTypes?: string[];
}

function attribute(
  name: string,
  type: ScimAttribute['type'],
  description: string,
  options: Partial<Omit<ScimAttribute, 'name' | 'type' | 'description'>> = {},
): ScimAttribute {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const USER_ATTRIBUTES: ScimAttribute[] = [
  attribute('userName', 'string', "The identity's login in Patina; unique whatever its case", {
    required: true,
    uniqueness: 'server',
  }),
  attribute('name', 'complex', "The person's name; Patina keeps one name (formatted)", {
    subAttributes: [
      attribute('formatted', 'string', 'The full name, as Patina shows it'),
      attribute('familyName', 'string', 'Family name; makes the name with givenName'),
      attribute('givenName', 'string', 'Given name; makes the name with familyName'),
    ],
  }),
  attribute('displayName', 'string', "The name Patina shows (the identity's name)"),
  attribute('active', 'boolean', 'false disables the identity: every PAT and token stops'),
  attribute('emails', 'complex', 'The primary address is the identity\u2019s email', {
    multiValued: true,
    subAttributes: [
      attribute('value', 'string', 'A mail address'),
      attribute('type', 'string', 'work, home or other'),
      attribute('primary', 'boolean', 'The address Patina keeps'),
    ],
  }),
  attribute('groups', 'complex', 'The groups the directory put the identity in', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attribute('value', 'string', "The group's id", { mutability: 'readOnly' }),
      attribute('$ref', 'reference', "The group's URI", {
        mutability: 'readOnly',
        referenceTypes: ['Group'],
      }),
      attribute('display', 'string', "The group's displayName", { mutability: 'readOnly' }),
    ],
  }),
];

const ENTERPRISE_ATTRIBUTES: ScimAttribute[] = [
  attribute('employeeNumber', 'string', "The organisation's number for the person"),
  attribute('department', 'string', "The person's department"),
  attribute('manager', 'complex', "The person's manager; used by access reviews", {
    subAttributes: [
      attribute('value', 'string', "The manager's id, or its externalId from the same directory"),
      attribute('$ref', 'reference', "The manager's URI", {
        mutability: 'readOnly',
        referenceTypes: ['User'],
      }),
      attribute('displayName', 'string', "The manager's name", { mutability: 'readOnly' }),
    ],
  }),
];

const GROUP_ATTRIBUTES: ScimAttribute[] = [
  attribute('displayName', 'string', "The group's name; scim.groupRoles maps it to roles", {
    required: true,
  }),
  attribute('members', 'complex', 'The Users in the group', {
    multiValued: true,
    subAttributes: [
      attribute('value', 'string', "A User's id", { mutability: 'immutable' }),
      attribute('$ref', 'reference', "The User's URI", {
        mutability: 'immutable',
        referenceTypes: ['User'],
      }),
      attribute('display', 'string', "The User's name", { mutability: 'readOnly' }),
      attribute('type', 'string', 'User (groups of groups are not kept)', {
        mutability: 'immutable',
      }),
    ],
  }),
];

export const SCHEMA_ATTRIBUTES = {
  [SCIM_SCHEMAS.user]: USER_ATTRIBUTES,
  [SCIM_SCHEMAS.enterpriseUser]: ENTERPRISE_ATTRIBUTES,
  [SCIM_SCHEMAS.group]: GROUP_ATTRIBUTES,
} as const;

const SCHEMA_NAMES: Record<keyof typeof SCHEMA_ATTRIBUTES, [string, string]> = {
  [SCIM_SCHEMAS.user]: ['User', 'User Account'],
  [SCIM_SCHEMAS.enterpriseUser]: ['EnterpriseUser', 'Enterprise User'],
  [SCIM_SCHEMAS.group]: ['Group', 'Group'],
};

/** The Schema resources (RFC 7643 §7), with their meta. */
export function schemaResources(baseUrl: string) {
  return Object.entries(SCHEMA_ATTRIBUTES).map(([id, attributes]) => {
    const [name, description] = SCHEMA_NAMES[id as keyof typeof SCHEMA_ATTRIBUTES];
    return {
      schemas: [SCIM_SCHEMAS.schema],
      id,
      name,
      description,
      attributes,
      meta: { resourceType: 'Schema', location: `${baseUrl}${SCIM_BASE}/Schemas/${id}` },
    };
  });
}

/** The ResourceType resources (RFC 7643 §6). */
export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [SCIM_SCHEMAS.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'An identity of Patina',
      schema: SCIM_SCHEMAS.user,
      schemaExtensions: [{ schema: SCIM_SCHEMAS.enterpriseUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}${SCIM_BASE}/ResourceTypes/User` },
    },
    {
      schemas: [SCIM_SCHEMAS.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A group of the directory; its members get the roles scim.groupRoles names',
      schema: SCIM_SCHEMAS.group,
      schemaExtensions: [],
      meta: {
        resourceType: 'ResourceType',
        location: `${baseUrl}${SCIM_BASE}/ResourceTypes/Group`,
      },
    },
  ];
}

/** RFC 7643 §5. `maxResults` bounds one list page. */
export const MAX_RESULTS = 200;

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SCIM_SCHEMAS.serviceProviderConfig],
    documentationUri: `${baseUrl}/docs/scim.md`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'The secret of a Patina PAT granting patina:scim:provision, or an access token with that right',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${baseUrl}${SCIM_BASE}/ServiceProviderConfig`,
    },
  };
}
