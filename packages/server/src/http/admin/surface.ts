/** The admin API's rate-limit bucket (`FastifyContextConfig.surface`). */
export const ADMIN_ROUTE_CONFIG = { surface: 'admin' };

/** The OpenAPI tag of Patina's own administration: identities, their PATs, audit, overview. */
export const ADMINISTRATION_TAGS = ['Administration'];
