/**
 * `remote.audit`: the audit log read over the HTTP API, checked first as the client on the
 * database checks it. Recording is the server's business (it records what its callers do),
 * so a remote client only reads.
 */
import type { AuditClient, AuditListOptions, AuditPage } from './audit.js';
import { checkAuditList } from './audit.js';
import type { HttpCaller } from './remote-http.js';

export class RemoteAudit implements AuditClient {
  constructor(private readonly http: HttpCaller) {}

  async list(options: AuditListOptions = {}): Promise<AuditPage> {
    const { limit, before, action } = checkAuditList(options);
    return (await this.http.call('audit.list', { query: { limit, cursor: before, action } })) as AuditPage;
  }
}
