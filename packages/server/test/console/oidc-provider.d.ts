// oidc-provider ships no type declarations; the little the SSO tests use of it.
declare module 'oidc-provider' {
  import type { Server } from 'node:http';
  export interface Account {
    accountId: string;
    claims(): Promise<Record<string, unknown>> | Record<string, unknown>;
  }
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host?: string): Server;
  }
}
