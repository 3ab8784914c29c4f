/** How a setting is declared: its environment variable, schema, default and reason (config.ts gathers them). */
import { availableParallelism } from "node:os";
import { z } from "zod";

export const cpus = availableParallelism();
/** llama.cpp and whisper.cpp slow down badly when threads outnumber free cores. */
export const defaultThreads = Math.max(1, Math.min(8, cpus - 1));

export const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export interface Setting {
  env: string;
  schema: z.ZodType;
  default: unknown;
  help: string;
}

export const s = <T extends z.ZodType>(env: string, schema: T, def: z.output<T>, help: string) => ({ env, schema, default: def, help });
