import { ScimError } from './errors.ts';
import { LIST_SCHEMA, MAX_PAGE } from './service.ts';
import { EXTENSION_SCHEMA, USER_SCHEMA } from './resource.ts';

// What the service provider supports, as RFC 7643 §5–7 describes it: the documents an identity
// provider reads first. Only the attributes Gatehouse keeps are listed.

const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [CONFIG_SCHEMA],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Provisioning token', description: 'Authorization: Bearer <token>, a provisioning token created in Licence settings → Provisioning', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

const userResourceType = (baseUrl: string) => ({
  schemas: [RESOURCE_TYPE_SCHEMA],
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'A person who signs in to the licence',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: EXTENSION_SCHEMA, required: false }],
  meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
});

export const resourceTypes = (baseUrl: string) => [userResourceType(baseUrl)];

type Mutability = 'readOnly' | 'readWrite' | 'immutable';
const attribute = (name: string, description: string, options: { type?: string; required?: boolean; mutability?: Mutability; caseExact?: boolean; uniqueness?: string; multiValued?: boolean; subAttributes?: unknown[] } = {}) => ({
  name,
  type: options.type ?? 'string',
  multiValued: options.multiValued ?? false,
  description,
  required: options.required ?? false,
  caseExact: options.caseExact ?? false,
  mutability: options.mutability ?? 'readWrite',
  returned: 'default',
  uniqueness: options.uniqueness ?? 'none',
  ...(options.subAttributes === undefined ? {} : { subAttributes: options.subAttributes }),
});

const userSchema = (baseUrl: string) => ({
  schemas: [SCHEMA_SCHEMA],
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'The login, unique in the licence whatever its case; it cannot change once the user exists', { required: true, mutability: 'immutable', uniqueness: 'server' }),
    attribute('name', "The user's name", {
      type: 'complex',
      required: true,
      subAttributes: [attribute('givenName', 'First name', { required: true }), attribute('familyName', 'Last name', { required: true }), attribute('formatted', 'Full name', { mutability: 'readOnly' })],
    }),
    attribute('displayName', 'Full name', { mutability: 'readOnly' }),
    attribute('emails', 'The e-mail address (the primary one is kept); passwords are set and recovered through it', {
      type: 'complex',
      multiValued: true,
      required: true,
      subAttributes: [attribute('value', 'E-mail address', { required: true }), attribute('type', '"work"'), attribute('primary', 'Always true', { type: 'boolean' })],
    }),
    attribute('phoneNumbers', 'The mobile number (type "mobile"), in E.164; required while the licence has two-factor sign-in on', {
      type: 'complex',
      multiValued: true,
      subAttributes: [attribute('value', 'Mobile number in E.164, e.g. +33612345678', { caseExact: true }), attribute('type', '"mobile"')],
    }),
    attribute('preferredLanguage', 'The language of the console and messages: en or fr (a tag such as fr-FR is read as fr)'),
    attribute('locale', 'The same language as preferredLanguage'),
    attribute('active', 'false deactivates the user and ends their sessions; true reactivates them within the seat limit', { type: 'boolean' }),
  ],
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${USER_SCHEMA}` },
});

const extensionSchema = (baseUrl: string) => ({
  schemas: [SCHEMA_SCHEMA],
  id: EXTENSION_SCHEMA,
  name: 'GatehouseUser',
  description: "What a user may do and on which data; when absent at creation, the provisioning token's defaults apply",
  attributes: [
    attribute('configuration', 'The key of the rights configuration (see GET /api/v1/rights-configurations)', { caseExact: true }),
    attribute('entityGroup', 'The name of the entity group'),
    attribute('defaultEntity', 'The code of the default entity, inside the group', { caseExact: true }),
  ],
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${EXTENSION_SCHEMA}` },
});

export const schemas = (baseUrl: string) => [userSchema(baseUrl), extensionSchema(baseUrl)];

/** The discovery documents, and how lists and single ones of them are answered. */
export function discoveryLists(baseUrl: string) {
  return {
    serviceProviderConfig: serviceProviderConfig(baseUrl),
    resourceTypes: resourceTypes(baseUrl),
    schemas: schemas(baseUrl),
    list: <T>(items: T[]) => ({ schemas: [LIST_SCHEMA], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items }),
    one<T extends { id: string }>(items: T[], id: string): T {
      const found = items.find((item) => item.id === id);
      if (found === undefined) throw new ScimError(404, `No such document ${id}`);
      return found;
    },
  };
}
