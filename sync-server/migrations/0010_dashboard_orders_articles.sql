-- PPIC on the dashboard: manufacturing orders as drafts until approved (approval fans the MO out into its work
-- orders, written as documents like the admin API's), and the article master (article with its bill of cut parts),
-- imported from CSV, from which an MO's bill is copied. Who did what is in dashboard_audit.

CREATE TABLE dashboard_order_drafts (
  id text PRIMARY KEY,                   -- the MO id (MO-2026-0001)
  body jsonb NOT NULL,                   -- the ManufacturingOrder as PPIC entered it (shared/master.ts)
  status text NOT NULL CHECK (status IN ('draft', 'approved')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  approved_by text,
  approved_at timestamptz,
  CHECK ((status = 'approved') = (approved_at IS NOT NULL))
);

CREATE TABLE articles (
  code text PRIMARY KEY,                 -- finished-good article code (ArticleCode)
  name text NOT NULL,
  cut_parts jsonb NOT NULL,              -- CutParts: [{part, qtyPerSet}]
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
