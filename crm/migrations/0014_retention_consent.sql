CREATE TABLE "consent_history" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"granted" boolean NOT NULL,
	"source" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "actor_user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "anonymised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "source" text DEFAULT 'console' NOT NULL;--> statement-breakpoint
ALTER TABLE "consent_history" ADD CONSTRAINT "consent_history_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consent_history_customer_at_idx" ON "consent_history" USING btree ("customer_id","at");--> statement-breakpoint
CREATE OR REPLACE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE purge_before text := current_setting('concierge.audit_purge_before', true);
BEGIN
  -- The one sanctioned removal: audit_log_purge() sets this for its own statement, for rows older than its cutoff only.
  IF TG_OP = 'DELETE' AND purge_before IS NOT NULL AND purge_before <> '' AND OLD."at" < purge_before::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END $$;--> statement-breakpoint
CREATE FUNCTION "audit_log_purge"(cutoff timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE removed integer;
BEGIN
  -- Retention keeps at least a day of entries whatever it is asked: a purge can never empty the log of today.
  IF cutoff IS NULL OR cutoff > now() - interval '1 day' THEN
    RAISE EXCEPTION 'audit_log_purge: cutoff % is less than a day ago', cutoff;
  END IF;
  PERFORM set_config('concierge.audit_purge_before', cutoff::text, true);
  DELETE FROM "audit_log" WHERE "at" < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('concierge.audit_purge_before', '', true);
  RETURN removed;
END $$;
