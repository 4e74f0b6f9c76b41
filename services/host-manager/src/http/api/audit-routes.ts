// GET /api/v1/audit: the audit log, newest first, a bounded page at a time
// (`limit` up to AUDIT_PAGE_MAX, `before` the last id of the previous page).
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { AUDIT_PAGE_MAX, type AuditStore } from "../../adapters/storage/audit";
import { firstIssue } from "./schemas";

export interface AuditRouteDeps {
  readonly audit: Pick<AuditStore, "newest">;
}

const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

export const auditRoutes: FastifyPluginAsync<AuditRouteDeps> = async (app, deps) => {
  app.get("/api/v1/audit", async (request, reply) => {
    const query = auditQuerySchema.safeParse(request.query ?? {});
    if (!query.success)
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    const { limit, before } = query.data;
    const entries = deps.audit.newest(limit + 1, before);
    const page = entries.slice(0, limit);
    return {
      entries: page.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      nextBefore: entries.length > limit ? page[page.length - 1].id : null,
    };
  });
};
