CREATE TABLE "intent_models" (
	"version_id" text PRIMARY KEY NOT NULL,
	"base_data_hash" text NOT NULL,
	"training_data_hash" text NOT NULL,
	"provenance" jsonb NOT NULL,
	"scores" jsonb NOT NULL,
	"decision" text NOT NULL,
	"decision_detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"training_ms" double precision NOT NULL,
	"model_bytes" integer NOT NULL,
	"model_json" "bytea" NOT NULL,
	"weights" "bytea" NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"trained_at" timestamp with time zone NOT NULL,
	"activated_at" timestamp with time zone,
	"pinned_at" timestamp with time zone,
	"pinned_by" text,
	"pinned_by_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intent_models_pinned_active_ck" CHECK ("intent_models"."pinned_at" is null or ("intent_models"."active" and "intent_models"."pinned_by" is not null and "intent_models"."pinned_by_name" is not null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "intent_models_one_active_uq" ON "intent_models" USING btree ("active") WHERE "intent_models"."active";--> statement-breakpoint
CREATE INDEX "intent_models_trained_idx" ON "intent_models" USING btree ("trained_at");