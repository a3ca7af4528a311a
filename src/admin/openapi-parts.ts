import { z } from "zod";

/** The pieces every operation of the operator API's OpenAPI document is made of, for the API and its extensions. */

export const queryParam = (name: string, description?: string, schema: object = { type: "string" }) => ({
  name,
  in: "query",
  required: false,
  ...(description ? { description } : {}),
  schema,
});

export const pathParam = (name: string, schema: object = { type: "string" }, description?: string) => ({
  name,
  in: "path",
  required: true,
  ...(description ? { description } : {}),
  schema,
});

/** A JSON response or request body described by a zod schema (OpenAPI 3.1 takes JSON Schema 2020-12 as is). */
export const jsonContent = (schema: z.ZodType, io: "input" | "output" = "output") => ({
  content: { "application/json": { schema: z.toJSONSchema(schema, { io }) } },
});

export const jsonResponse = (description: string, schema: z.ZodType) => ({ description, ...jsonContent(schema) });
