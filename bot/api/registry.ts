/**
 * One declaration per route: its zod schemas validate the request (400 with the issues, before any
 * handler runs, so a rejected request writes nothing), the role list guards it, and the same
 * declarations produce the OpenAPI 3.1 document.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { UserRole } from '../../crm/users';
import { authOf, type AuthContext } from '../auth';
import { forbidden, unauthorized } from '../errors';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** Present on every route that is not public. */
  auth: AuthContext;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** Express path, e.g. `/api/tickets/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** `public`: no session needed; `signedIn`: any role; otherwise the roles allowed. */
  access: 'public' | 'signedIn' | UserRole[];
  params?: P;
  query?: Q;
  body?: B;
  /** Documented response body (not enforced). */
  response?: z.ZodType;
  /** Success status: 200 by default; 204 sends no body. */
  status?: number;
  /** Other statuses the route may answer, for the document. */
  errors?: number[];
  /** A non-JSON response (Server-Sent Events); the handler writes it. */
  produces?: string;
  handler: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>;
}

const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'Invalid input',
  401: 'Not signed in, or the session expired',
  403: 'Signed in, but not allowed',
  404: 'Not found',
  409: 'Conflicts with the current state',
  415: 'Body must be JSON',
  429: 'Too many failed attempts; wait and retry',
  501: 'Not available in this deployment',
};

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export class ApiRegistry {
  readonly routes: Array<RouteSpec<AnyObject, AnyObject, z.ZodType>> = [];

  constructor(readonly router: Router = express.Router()) {}

  add<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>);
    this.router[spec.method](spec.path, async (req, res, next) => {
      try {
        const auth = authOf(res);
        if (spec.access !== 'public') {
          if (!auth) throw unauthorized('sign in first', 'not_signed_in');
          if (Array.isArray(spec.access) && !spec.access.includes(auth.user.role)) throw forbidden(`this needs the role ${spec.access.join(' or ')}`);
        }
        const parts: Array<[string, z.ZodType | undefined, unknown]> = [
          ['path', spec.params, req.params],
          ['query', spec.query, req.query],
          ['body', spec.body, req.body],
        ];
        const parsed: Record<string, unknown> = {};
        for (const [where, schema, value] of parts) {
          if (!schema) {
            parsed[where] = {};
            continue;
          }
          const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
          if (!result.success) {
            res.status(400).json({ error: { code: 'invalid_request', message: `invalid ${where}: ${result.error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ')}`, issues: issuesOf(result.error) } });
            return;
          }
          parsed[where] = result.data;
        }
        const out = await spec.handler({ req, res, params: parsed.path as never, query: parsed.query as never, body: parsed.body as never, auth: auth as AuthContext });
        if (spec.produces || res.headersSent) return;
        if (spec.status === 204) {
          res.status(204).end();
          return;
        }
        res.setHeader('Cache-Control', 'no-store');
        res.status(spec.status ?? 200).json(out);
      } catch (err) {
        next(err);
      }
    });
  }

  /** The OpenAPI 3.1 document for every registered route. */
  openApi(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const components: Record<string, unknown> = {};
    // Named schemas (`.meta({ id })`) become components; their references point there.
    const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
      const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
      delete json.$schema;
      const defs = (json.$defs ?? {}) as Record<string, unknown>;
      delete json.$defs;
      const rewrite = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replace(/"#\/\$defs\//g, '"#/components/schemas/'));
      for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def);
      const id = (json as { id?: string }).id;
      if (id && typeof id === 'string') {
        delete (json as { id?: string }).id;
        components[id] ??= rewrite(json);
        return { $ref: `#/components/schemas/${id}` };
      }
      return rewrite(json) as Record<string, unknown>;
    };
    components.Error = toSchema(errorBody, 'output');
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', r.params],
        ['query', r.query],
      ] as const) {
        if (!schema) continue;
        const shape = schema.shape as Record<string, z.ZodType>;
        for (const [name, field] of Object.entries(shape)) {
          parameters.push({ name, in: where, required: where === 'path' || !field.safeParse(undefined).success, schema: toSchema(field, 'input'), ...(field.description ? { description: field.description } : {}) });
        }
      }
      const responses: Record<string, unknown> = {};
      const ok = r.status ?? 200;
      responses[String(ok)] =
        ok === 204
          ? { description: statusText[204] }
          : r.produces
            ? { description: r.summary, content: { [r.produces]: { schema: { type: 'string' } } } }
            : { description: statusText[ok] ?? 'OK', ...(r.response ? { content: { 'application/json': { schema: toSchema(r.response, 'output') } } } : {}) };
      const errs = new Set<number>(r.errors ?? []);
      if (r.params || r.query || r.body) errs.add(400);
      if (r.access !== 'public') errs.add(401);
      if (Array.isArray(r.access)) errs.add(403);
      for (const s of [...errs].sort()) responses[String(s)] = { description: statusText[s] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      paths[path] ??= {};
      paths[path][r.method] = {
        operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        tags: [r.tag],
        ...(r.access === 'public' ? { security: [] } : {}),
        ...(Array.isArray(r.access) ? { 'x-roles': r.access } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(r.body ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } } : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      security: [{ sessionCookie: [] }],
      paths,
      components: {
        schemas: components,
        securitySchemes: { sessionCookie: { type: 'apiKey', in: 'cookie', name: 'concierge_session', description: 'Set by POST /api/auth/sign-in' } },
      },
    };
  }
}
