// OpenAI-shaped error bodies ({error: {message, type, param, code}}) and the mapping from PrefloopError
// codes, fastify's own errors (body too large, bad JSON) and upstream failures to HTTP statuses.
// Not the access log. Follows the OpenAI API reference's error object.
import { APIError } from "openai";
import { type ErrorCode, isPrefloopError } from "../util/errors.js";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the server answers with a chosen status (auth, limits, validation). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const statusOfCode: Record<ErrorCode, [number, string]> = {
  config: [400, "invalid_request_error"],
  input: [400, "invalid_request_error"],
  shape: [400, "invalid_request_error"],
  unsupported: [400, "invalid_request_error"],
  model: [500, "server_error"],
  io: [500, "server_error"],
  numeric: [500, "server_error"],
  network: [502, "upstream_error"],
  external: [502, "upstream_error"],
  locked: [409, "conflict_error"],
  cancelled: [503, "server_error"],
};

export interface MappedError {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
  /** an unexpected error (a bug): logged with its stack */
  internal: boolean;
}

function body(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** Any thrown value → status, OpenAI error body and extra headers. */
export function mapError(error: unknown): MappedError {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: body(error.message, error.type, error.code, error.param),
      headers: error.headers,
      internal: false,
    };
  }
  if (isPrefloopError(error)) {
    const [status, type] = statusOfCode[error.code];
    const message = error.hint ? `${error.message} (hint: ${error.hint})` : error.message;
    return { status, body: body(message, type, error.code), headers: {}, internal: false };
  }
  if (error instanceof APIError) {
    const message = `upstream server: ${error.message}`;
    const status = error.status === 429 ? 429 : 502;
    return {
      status,
      body: body(
        message,
        "upstream_error",
        error.status ? `upstream_${error.status}` : "upstream_unreachable",
      ),
      headers: {},
      internal: false,
    };
  }
  // fastify's own errors carry statusCode and an FST_ code (bad JSON, body too large, wrong media type)
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const code = typeof e.code === "string" ? e.code : null;
    const known: Record<string, [string, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: ["request_too_large", "request body is larger than the server's limit"],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: ["unsupported_media_type", "request body must be application/json"],
      FST_ERR_CTP_EMPTY_JSON_BODY: ["invalid_json", "request body is empty; expected a JSON object"],
      FST_ERR_CTP_INVALID_JSON_BODY: ["invalid_json", "request body is not valid JSON"],
    };
    const hit = code ? known[code] : undefined;
    const message = hit?.[1] ?? (typeof e.message === "string" ? e.message : "bad request");
    return {
      status: e.statusCode,
      body: body(message, "invalid_request_error", hit?.[0] ?? code),
      headers: {},
      internal: false,
    };
  }
  return {
    status: 500,
    body: body("internal server error", "server_error", "internal_error"),
    headers: {},
    internal: true,
  };
}
