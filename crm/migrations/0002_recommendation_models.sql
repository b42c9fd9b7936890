CREATE TABLE "recommendation_models" (
	"version_id" text PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"params" jsonb NOT NULL,
	"data_hash" text NOT NULL,
	"customers" integer NOT NULL,
	"items" integer NOT NULL,
	"interactions" integer NOT NULL,
	"model_bytes" integer NOT NULL,
	"training_ms" double precision NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"snapshot" "bytea" NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"trained_at" timestamp with time zone NOT NULL,
	"activated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "recommendation_models_one_active_uq" ON "recommendation_models" USING btree ("active") WHERE "recommendation_models"."active";--> statement-breakpoint
CREATE INDEX "recommendation_models_trained_idx" ON "recommendation_models" USING btree ("trained_at");