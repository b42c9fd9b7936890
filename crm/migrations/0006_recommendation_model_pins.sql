ALTER TABLE "recommendation_models" ADD COLUMN "pinned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD COLUMN "pinned_by" text;--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD COLUMN "pinned_by_name" text;--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD CONSTRAINT "recommendation_models_pinned_active_ck" CHECK ("recommendation_models"."pinned_at" is null or ("recommendation_models"."active" and "recommendation_models"."pinned_by" is not null and "recommendation_models"."pinned_by_name" is not null));