/**
 * What people do on the dashboard, kept in `dashboard_audit` (insert only: a trigger refuses UPDATE and DELETE).
 * A step that changes what dashboards show (`notify`: an alert step, an article's, an account's) also queues `NOTIFY qsf_dashboard`, delivered
 * at commit to every server instance on the database, so every open dashboard hears of it (live.ts); a login does not.
 */
import type { Queryable } from '../db/types';
import type { Account } from './contract';

export const DASHBOARD_CHANNEL = 'qsf_dashboard';

export async function audit(
  q: Queryable,
  who: Pick<Account, 'id' | 'role'>,
  action: string,
  target: string | null,
  detail: Record<string, unknown> = {},
  notify = false,
): Promise<void> {
  await q.query(
    `WITH ins AS (
       INSERT INTO dashboard_audit (account_id, role, action, target, detail) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id
     )
     SELECT CASE WHEN $7::boolean THEN pg_notify($6, (SELECT id FROM ins)::text) END`,
    [who.id, who.role, action, target, JSON.stringify(detail), DASHBOARD_CHANNEL, notify],
  );
}
